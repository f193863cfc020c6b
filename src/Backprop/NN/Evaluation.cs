using Backprop.Data;

namespace Backprop.NN;

/// <summary>
/// The result of running a classifier over a labelled data set: the number of samples, the mean cross-entropy loss,
/// the accuracy, and the confusion matrix (rows = true class, columns = predicted class).
/// </summary>
/// <remarks>
/// <see cref="Run"/> feeds the data in batches, in order, under <see cref="Autograd.NoGrad"/> and inside one
/// <see cref="TensorScope"/> per batch, so evaluating a large test set records no graph and reuses its buffers.
/// The model is switched to evaluation mode (dropout off, batch norm on its running statistics) for the run and
/// returned to the mode it was in. Losses are summed in double as (batch mean × batch size), so the mean does not
/// depend on the batch size beyond float rounding.
/// </remarks>
public sealed class Evaluation
{
    private readonly int[,] _confusion;

    private Evaluation(int samples, int correct, double loss, int[,] confusion)
    {
        (Samples, Correct, Loss, _confusion) = (samples, correct, loss, confusion);
    }

    /// <summary>The number of samples evaluated.</summary>
    public int Samples { get; }

    /// <summary>The number of samples whose predicted class (the arg-max of the model's outputs) is their label.</summary>
    public int Correct { get; }

    /// <summary><see cref="Correct"/> / <see cref="Samples"/>: the trace of the confusion matrix over its total.</summary>
    public double Accuracy => (double)Correct / Samples;

    /// <summary>The mean over all samples of the softmax cross-entropy loss.</summary>
    public double Loss { get; }

    /// <summary>The number of classes: the width of the model's output, the size of the confusion matrix.</summary>
    public int NumClasses => _confusion.GetLength(0);

    /// <summary>How many samples of class <paramref name="trueClass"/> were predicted as <paramref name="predictedClass"/>.</summary>
    public int Count(int trueClass, int predictedClass) => _confusion[trueClass, predictedClass];

    /// <summary>A copy of the confusion matrix: element [t][p] counts samples of true class t predicted as p.</summary>
    public int[][] ConfusionMatrix()
    {
        var rows = new int[NumClasses][];
        for (int t = 0; t < rows.Length; t++)
        {
            rows[t] = new int[NumClasses];
            for (int p = 0; p < rows[t].Length; p++) rows[t][p] = _confusion[t, p];
        }
        return rows;
    }

    /// <summary>The number of samples whose true class is <paramref name="trueClass"/> (a row sum).</summary>
    public int Support(int trueClass)
    {
        int total = 0;
        for (int p = 0; p < NumClasses; p++) total += _confusion[trueClass, p];
        return total;
    }

    /// <summary>
    /// The share of the samples of <paramref name="trueClass"/> that were predicted correctly (diagonal over row sum);
    /// NaN when the data set has no sample of that class.
    /// </summary>
    public double Recall(int trueClass)
    {
        int support = Support(trueClass);
        return support == 0 ? double.NaN : (double)_confusion[trueClass, trueClass] / support;
    }

    /// <summary>
    /// Runs <paramref name="model"/> over every sample of <paramref name="data"/> and compares its predictions with the labels.
    /// </summary>
    /// <param name="model">A classifier whose output is [batch, classes] logits.</param>
    /// <param name="data">The labelled samples.</param>
    /// <param name="batchSize">Samples per forward pass.</param>
    /// <param name="inputShape">
    /// The shape of one sample the model expects, without the batch axis (e.g. [64] for a model trained on flattened
    /// 8×8 images); by default the data set's sample shape. Its size must equal the data set's sample size.
    /// </param>
    /// <param name="cancellation">Checked between batches.</param>
    /// <exception cref="ArgumentException">
    /// The data set is empty, the sample sizes disagree, the model's output is not [batch, classes], or a label is not
    /// below the number of outputs.
    /// </exception>
    public static Evaluation Run(Module<Tensor, Tensor> model, Dataset data, int batchSize = 256, int[]? inputShape = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (data.Count == 0) throw new ArgumentException($"evaluation: data set '{data.Name}' has no samples");
        inputShape ??= data.SampleShape;
        if (Shapes.Numel(inputShape) != data.SampleSize)
        {
            throw new ArgumentException(
                $"evaluation: data set '{data.Name}' has samples of shape {Shapes.Format(data.SampleShape)} ({data.SampleSize} values), but the model expects {Shapes.Format(inputShape)} ({Shapes.Numel(inputShape)} values)");
        }
        // The input must have the parameters' dtype: a float64 model would otherwise promote every layer's output.
        DType dtype = model.Parameters() is [var first, ..] ? first.DType : DType.Float32;
        bool wasTraining = model.IsTraining;
        model.Eval();
        try
        {
            return RunBatches(model, data, batchSize, inputShape, dtype, cancellation);
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    private static Evaluation RunBatches(Module<Tensor, Tensor> model, Dataset data, int batchSize, int[] inputShape, DType dtype, CancellationToken cancellation)
    {
        int[,]? confusion = null;
        int correct = 0;
        double lossSum = 0;
        int sampleSize = data.SampleSize;
        using var noGrad = Autograd.NoGrad();
        for (int start = 0; start < data.Count; start += batchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, data.Count - start);
            var labels = data.Labels.AsSpan(start, count).ToArray();
            var features = data.Features.AsSpan(start * sampleSize, count * sampleSize).ToArray();
            var batchShape = new int[inputShape.Length + 1];
            batchShape[0] = count;
            inputShape.CopyTo(batchShape, 1);
            int[] predicted;
            using (TensorScope.Begin())
            {
                var x = Tensor.Wrap(features, batchShape);
                if (dtype != DType.Float32) x = x.To(dtype);
                var logits = model.Forward(x);
                if (logits.Rank != 2 || logits.ShapeArray[0] != count)
                {
                    throw new ArgumentException(
                        $"evaluation: the model's output for a batch of {count} is {Shapes.Format(logits.ShapeArray)}; expected [{count}, classes]");
                }
                confusion ??= NewConfusion(data, logits.ShapeArray[1]);
                lossSum += logits.CrossEntropy(labels).Item() * count;
                predicted = logits.ArgMax(1).ToArray<int>();
            }
            for (int i = 0; i < count; i++)
            {
                confusion[labels[i], predicted[i]]++;
                if (labels[i] == predicted[i]) correct++;
            }
        }
        return new Evaluation(data.Count, correct, lossSum / data.Count, confusion!);
    }

    /// <summary>How many rows of <paramref name="logits"/> [N, classes] have their maximum at the label's index.</summary>
    public static int CountCorrect(Tensor logits, int[] labels)
    {
        using var noGrad = Autograd.NoGrad();
        var predicted = logits.ArgMax(1).AsSpan<int>();
        int correct = 0;
        for (int i = 0; i < labels.Length; i++) if (predicted[i] == labels[i]) correct++;
        return correct;
    }

    private static int[,] NewConfusion(Dataset data, int outputs)
    {
        // Checked once for the whole set, so the message names the data set rather than a row of one batch.
        int maxLabel = data.Labels.Max();
        if (maxLabel >= outputs)
        {
            throw new ArgumentException(
                $"evaluation: data set '{data.Name}' has label {maxLabel}, but the model has only {outputs} outputs (classes 0..{outputs - 1})");
        }
        return new int[outputs, outputs];
    }
}
