using Backprop.Data;
using Backprop.NN;

namespace Backprop.Teaching.Reports;

/// <summary>
/// The gradient of the predicted class's score (its logit, before the softmax) with respect to every input value of
/// one sample — the "input gradient": how much a small change of each pixel would raise or lower the score of the
/// class the model chose. Large values mark the pixels the decision is most sensitive to.
/// </summary>
/// <param name="Index">The sample's position in the data set.</param>
/// <param name="TrueClass">Its label.</param>
/// <param name="PredictedClass">The class whose score was differentiated.</param>
/// <param name="Confidence">The softmax probability of <paramref name="PredictedClass"/>.</param>
/// <param name="Gradient">∂score/∂input, one value per input value, in the sample's layout.</param>
public sealed record SaliencyMap(int Index, int TrueClass, int PredictedClass, double Confidence, float[] Gradient)
{
    /// <summary>
    /// Runs <paramref name="model"/> in evaluation mode on the samples <paramref name="indices"/> of
    /// <paramref name="data"/> as one batch and differentiates, with the library's backward pass
    /// (<see cref="Autograd.Grad(Tensor, Tensor, Tensor?, bool, bool?, bool)"/>), the sum of each sample's
    /// predicted-class score with respect to the batch. In evaluation mode no layer mixes samples (batch norm uses its
    /// running statistics, dropout is off), so each sample's slice of that gradient is its own saliency map.
    /// The model is returned to the mode it was in.
    /// </summary>
    /// <param name="model">A classifier whose output is [batch, classes] scores.</param>
    /// <param name="data">The samples, as the model takes them (standardised as in training).</param>
    /// <param name="indices">Which samples; at least one.</param>
    /// <param name="inputShape">The shape of one sample the model expects; by default the data set's.</param>
    /// <exception cref="ArgumentException">An index is outside the data set, or the model's output is not [batch, classes].</exception>
    public static IReadOnlyList<SaliencyMap> Compute(Module<Tensor, Tensor> model, Dataset data, IReadOnlyList<int> indices, int[]? inputShape = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Count == 0) return [];
        inputShape ??= data.SampleShape;
        int size = data.SampleSize;
        if (Shapes.Numel(inputShape) != size)
            throw new ArgumentException($"saliency: the model takes samples of {Shapes.Format(inputShape)}, data set '{data.Name}' has {size} values per sample");
        var features = new float[indices.Count * size];
        for (int i = 0; i < indices.Count; i++)
        {
            if ((uint)indices[i] >= (uint)data.Count)
                throw new ArgumentException($"saliency: sample {indices[i]} is outside data set '{data.Name}' of {data.Count} samples");
            data.GetSample(indices[i]).CopyTo(features.AsSpan(i * size, size));
        }

        DType dtype = model.Parameters() is [var first, ..] ? first.DType : DType.Float32;
        bool wasTraining = model.IsTraining;
        model.Eval();
        try
        {
            var x = Tensor.Wrap(features, [indices.Count, .. inputShape]);
            if (dtype != DType.Float32) x = x.To(dtype);
            x.RequiresGrad = true;
            var logits = model.Forward(x);
            if (logits.Rank != 2 || logits.Shape[0] != indices.Count)
                throw new ArgumentException($"saliency: the model's output for a batch of {indices.Count} is {Shapes.Format(logits.Shape)}; expected [{indices.Count}, classes]");
            int classes = logits.Shape[1];
            double[] scores = logits.ToArray<double>();
            // The upstream gradient selects each row's predicted score: 1 there, 0 elsewhere.
            var select = new double[scores.Length];
            var predicted = new int[indices.Count];
            var confidence = new double[indices.Count];
            for (int i = 0; i < indices.Count; i++)
            {
                var row = scores.AsSpan(i * classes, classes);
                predicted[i] = ArgMax(row);
                confidence[i] = SoftmaxAt(row, predicted[i]);
                select[i * classes + predicted[i]] = 1;
            }
            var seed = Tensor.FromArray(select, indices.Count, classes).To(logits.DType);
            var gradient = Autograd.Grad(logits, x, seed)!.ToArray<float>();
            var maps = new SaliencyMap[indices.Count];
            for (int i = 0; i < maps.Length; i++)
                maps[i] = new SaliencyMap(indices[i], data.Labels[indices[i]], predicted[i], confidence[i], gradient.AsSpan(i * size, size).ToArray());
            return maps;
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    /// <summary>
    /// One sample per class, the first of each class in data-set order (classes without a sample are skipped), up to
    /// <paramref name="count"/>: a fixed, varied choice, the same for every run on the same data.
    /// </summary>
    public static IReadOnlyList<int> FirstOfEachClass(Dataset data, int count)
    {
        ArgumentNullException.ThrowIfNull(data);
        var chosen = new List<int>();
        var seen = new HashSet<int>();
        for (int i = 0; i < data.Count && chosen.Count < count; i++)
            if (seen.Add(data.Labels[i])) chosen.Add(i);
        chosen.Sort((a, b) => data.Labels[a].CompareTo(data.Labels[b]));
        return chosen;
    }

    // The lowest index on a tie, as Tensor.ArgMax.
    private static int ArgMax(ReadOnlySpan<double> row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
        return best;
    }

    private static double SoftmaxAt(ReadOnlySpan<double> row, int c)
    {
        double max = double.NegativeInfinity;
        foreach (double v in row) max = Math.Max(max, v);
        double sum = 0;
        foreach (double v in row) sum += Math.Exp(v - max);
        return Math.Exp(row[c] - max) / sum;
    }
}
