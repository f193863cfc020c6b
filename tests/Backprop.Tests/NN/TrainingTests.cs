using Backprop.NN;
using Backprop.Optim;

namespace Backprop.Tests.NN;

public class TrainingTests
{
    /// <summary>XOR of 200 points: four Gaussian clusters at (±1, ±1), σ = 0.3, class 1 where the signs agree.</summary>
    private static (Tensor X, int[] Labels) Xor(ulong seed)
    {
        var g = new Generator(seed);
        var x = new float[400];
        var labels = new int[200];
        for (int i = 0; i < 200; i++)
        {
            float cx = (i & 1) == 0 ? 1 : -1, cy = (i & 2) == 0 ? 1 : -1;
            x[2 * i] = cx + 0.3f * (float)g.NextGaussian();
            x[2 * i + 1] = cy + 0.3f * (float)g.NextGaussian();
            labels[i] = cx * cy > 0 ? 1 : 0;
        }
        return (Tensor.FromArray(x, 200, 2), labels);
    }

    private static (Sequential Model, double Accuracy) Train(Func<IReadOnlyList<Tensor>, Optimizer> optimizer, int steps)
    {
        var (x, labels) = Xor(42);
        var model = ModelSpec.Parse("mlp:16,16").Build([2], 2, new Generator(7));
        var opt = optimizer(model.Parameters());
        for (int step = 0; step < steps; step++)
        {
            opt.ZeroGrad();
            Losses.CrossEntropy(model.Forward(x), labels).Backward();
            opt.Step();
        }
        using var _ = global::Backprop.Autograd.NoGrad();
        var predicted = model.Forward(x).ArgMax(1).ToArray<int>();
        return (model, predicted.Zip(labels).Count(p => p.First == p.Second) / 200.0);
    }

    [Fact]
    public void Mlp_learns_xor_with_sgd_momentum()
    {
        var (_, accuracy) = Train(p => new Sgd(p, 0.1, momentum: 0.9), 300);
        Assert.True(accuracy > 0.95, $"accuracy {accuracy}");
    }

    [Fact]
    public void Mlp_learns_xor_with_adam()
    {
        var (_, accuracy) = Train(p => new Adam(p, 0.01), 300);
        Assert.True(accuracy > 0.95, $"accuracy {accuracy}");
    }

    [Fact]
    public void Two_identical_runs_give_bit_identical_weights()
    {
        var (a, _) = Train(p => new AdamW(p, 0.01), 50);
        var (b, _) = Train(p => new AdamW(p, 0.01), 50);
        var pa = a.Parameters();
        var pb = b.Parameters();
        for (int i = 0; i < pa.Count; i++) Assert.Equal(pa[i].ToFloatArray(), pb[i].ToFloatArray());
    }

    [Fact]
    public void Cnn_with_batch_norm_and_dropout_trains_one_step()
    {
        var model = ModelSpec.Parse("cnn+bn+dropout:0.2").Build([1, 8, 8], 3, new Generator(3));
        var opt = new Sgd(model.Parameters(), 0.05, momentum: 0.9);
        var x = Tensor.Normal([4, 1, 8, 8], 0, 1, new Generator(4));
        int[] labels = [0, 1, 2, 1];
        double before = Losses.CrossEntropy(model.Forward(x), labels).Item();
        for (int i = 0; i < 5; i++)
        {
            opt.ZeroGrad();
            Losses.CrossEntropy(model.Forward(x), labels).Backward();
            opt.Step();
        }
        Assert.All(model.Parameters(), p => Assert.NotNull(p.Grad));
        Assert.True(Losses.CrossEntropy(model.Forward(x), labels).Item() < before);
    }
}
