using Backprop.Data;
using Backprop.NN;

namespace Backprop.Teaching.Reports;

/// <summary>
/// The softmax of a classifier's outputs for a list of samples: one row of class probabilities per sample.
/// </summary>
public sealed class ClassProbabilities
{
    private readonly double[] _values;

    private ClassProbabilities(double[] values, int count, int numClasses)
    {
        (_values, Count, NumClasses) = (values, count, numClasses);
    }

    /// <summary>The number of samples.</summary>
    public int Count { get; }

    /// <summary>The number of classes (the model's output width).</summary>
    public int NumClasses { get; }

    /// <summary>The probabilities of sample <paramref name="row"/>, one per class; they sum to 1.</summary>
    public ReadOnlySpan<double> Row(int row) => _values.AsSpan(row * NumClasses, NumClasses);

    /// <summary>The most probable class of sample <paramref name="row"/> (the lowest index on a tie, as ArgMax).</summary>
    public int Predicted(int row) => Top(row, 1)[0];

    /// <summary>The probability of the predicted class of sample <paramref name="row"/>: how sure the model is.</summary>
    public double Confidence(int row) => Row(row)[Predicted(row)];

    /// <summary>The predicted class of every sample, in order.</summary>
    public int[] PredictedClasses()
    {
        var predicted = new int[Count];
        for (int r = 0; r < Count; r++) predicted[r] = Predicted(r);
        return predicted;
    }

    /// <summary>The <paramref name="k"/> most probable classes of sample <paramref name="row"/>, most probable first; ties keep class order.</summary>
    public int[] Top(int row, int k)
    {
        var p = Row(row).ToArray();
        var classes = Enumerable.Range(0, NumClasses).ToArray();
        // A stable sort by descending probability: equal probabilities stay in class order.
        return classes.OrderByDescending(c => p[c]).Take(Math.Min(k, NumClasses)).ToArray();
    }

    /// <summary>Runs <paramref name="model"/> over every sample of <paramref name="data"/>; see the other overload.</summary>
    public static ClassProbabilities Compute(Module<Tensor, Tensor> model, Dataset data, int[]? inputShape = null, int batchSize = 256, CancellationToken cancellation = default) =>
        Compute(model, data.Features, data.Count, inputShape ?? data.SampleShape, batchSize, cancellation);

    /// <summary>
    /// Runs <paramref name="model"/> in evaluation mode (and returns it to the mode it was in) over
    /// <paramref name="count"/> samples stored one after another in <paramref name="features"/>, in batches, without
    /// recording gradients.
    /// </summary>
    public static ClassProbabilities Compute(Module<Tensor, Tensor> model, float[] features, int count, int[] inputShape, int batchSize, CancellationToken cancellation)
    {
        int sampleSize = Shapes.Numel(inputShape);
        if ((long)count * sampleSize != features.Length)
            throw new ArgumentException($"class probabilities: {features.Length} values are not {count} samples of {Shapes.Format(inputShape)}");
        DType dtype = model.Parameters() is [var first, ..] ? first.DType : DType.Float32;
        bool wasTraining = model.IsTraining;
        model.Eval();
        double[]? values = null;
        int numClasses = 0;
        try
        {
            using var noGrad = Autograd.NoGrad();
            for (int start = 0; start < count; start += batchSize)
            {
                cancellation.ThrowIfCancellationRequested();
                int n = Math.Min(batchSize, count - start);
                int[] batchShape = [n, .. inputShape];
                using var scope = TensorScope.Begin();
                var x = Tensor.Wrap(features.AsSpan(start * sampleSize, n * sampleSize).ToArray(), batchShape);
                if (dtype != DType.Float32) x = x.To(dtype);
                var logits = model.Forward(x);
                if (logits.Rank != 2 || logits.Shape[0] != n)
                    throw new ArgumentException($"class probabilities: the model's output for a batch of {n} is {Shapes.Format(logits.Shape)}; expected [{n}, classes]");
                if (values is null)
                {
                    numClasses = logits.Shape[1];
                    values = new double[(long)count * numClasses];
                }
                // Copied out before the scope ends: its buffers go back to the pool.
                logits.Softmax(-1).ToArray<double>().CopyTo(values, start * numClasses);
            }
        }
        finally
        {
            model.Train(wasTraining);
        }
        return new ClassProbabilities(values ?? [], count, numClasses);
    }
}
