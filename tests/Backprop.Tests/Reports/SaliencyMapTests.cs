using Backprop.NN;
using Backprop.Teaching.Reports;

namespace Backprop.Tests.Reports;

public class SaliencyMapTests
{
    [Fact]
    public void Each_map_is_the_engines_gradient_of_that_samples_predicted_score()
    {
        // A CNN with batch norm and dropout, left in training mode: the maps must come from evaluation mode (no
        // sample mixing through batch statistics, no random masks), and the model must be handed back as it was.
        var model = ModelSpec.Parse("cnn+bn+dropout:0.5").Build([1, 4, 4], 3, new Generator(7));
        var data = ReportModels.RandomImages(6, seed: 3);
        int[] chosen = [4, 0, 5];
        var maps = SaliencyMap.Compute(model, data, chosen);
        Assert.True(model.IsTraining);

        model.Eval();
        for (int i = 0; i < chosen.Length; i++)
        {
            // One sample alone, the score picked out by indexing, and Backward filling x.Grad.
            var x = Tensor.FromArray(data.GetSample(chosen[i]).ToArray(), 1, 1, 4, 4);
            x.RequiresGrad = true;
            var logits = model.Forward(x);
            int predicted = logits.ArgMax(1).ToArray<int>()[0];
            logits.Narrow(1, predicted, 1).Sum().Backward();
            float[] expected = x.Grad!.ToFloatArray();

            Assert.Equal(chosen[i], maps[i].Index);
            Assert.Equal(data.Labels[chosen[i]], maps[i].TrueClass);
            Assert.Equal(predicted, maps[i].PredictedClass);
            Assert.Equal(logits.Softmax(-1).ToArray<double>()[predicted], maps[i].Confidence, 5);
            Assert.Equal(16, maps[i].Gradient.Length);
            Assert.Contains(expected, v => v != 0); // the comparison below is not between two zero maps
            for (int k = 0; k < expected.Length; k++)
                Assert.True(Math.Abs(expected[k] - maps[i].Gradient[k]) <= 1e-5f * (1 + Math.Abs(expected[k])),
                    $"sample {chosen[i]}, pixel {k}: saliency {maps[i].Gradient[k]}, engine {expected[k]}");
        }
    }

    [Fact]
    public void For_a_linear_model_the_map_is_the_predicted_class_row_of_the_weight()
    {
        // score_c = W[c]·x + b[c], so ∂score_c/∂x = W[c]: worked out without any backward pass.
        var model = ModelSpec.Parse("linear").Build([1, 4, 4], 3, new Generator(11));
        var weight = model.Layers.OfType<Linear>().Single().Weight.ToFloatArray();
        var data = ReportModels.RandomImages(3, seed: 5);
        var maps = SaliencyMap.Compute(model, data, [0, 1, 2]);
        foreach (var map in maps)
            Assert.Equal(weight.AsSpan(map.PredictedClass * 16, 16).ToArray(), map.Gradient);
    }

    [Fact]
    public void First_of_each_class_takes_one_sample_per_class_in_class_order()
    {
        var data = ReportModels.Rows([[0f], [0f], [0f], [0f], [0f]], [2, 0, 2, 1, 0], 4);
        Assert.Equal([1, 3, 0], SaliencyMap.FirstOfEachClass(data, 10));
        Assert.Equal([1, 0], SaliencyMap.FirstOfEachClass(data, 2)); // the first two classes met, in class order
    }

    [Fact]
    public void An_index_outside_the_data_set_is_refused()
    {
        var model = ModelSpec.Parse("linear").Build([1, 4, 4], 3, new Generator(11));
        var error = Assert.Throws<ArgumentException>(() => SaliencyMap.Compute(model, ReportModels.RandomImages(3, seed: 5), [3]));
        Assert.Contains("sample 3 is outside", error.Message);
    }
}
