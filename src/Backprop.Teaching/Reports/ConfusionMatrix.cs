namespace Backprop.Teaching.Reports;

/// <summary>
/// How often each true class was predicted as each class: row t, column p counts the samples labelled t that the
/// model predicted as p. The diagonal holds the right answers.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly int[,] _counts;

    private ConfusionMatrix(int[,] counts) => _counts = counts;

    /// <summary>The number of classes: rows and columns.</summary>
    public int NumClasses => _counts.GetLength(0);

    /// <summary>How many samples of <paramref name="trueClass"/> were predicted as <paramref name="predictedClass"/>.</summary>
    public int Count(int trueClass, int predictedClass) => _counts[trueClass, predictedClass];

    /// <summary>The number of samples counted.</summary>
    public int Total { get; private init; }

    /// <summary>The trace: samples predicted as their label.</summary>
    public int Correct { get; private init; }

    /// <summary>The largest count in the matrix (0 when empty), for scaling colours.</summary>
    public int Largest { get; private init; }

    /// <summary>The samples whose true class is <paramref name="trueClass"/> (a row sum).</summary>
    public int Support(int trueClass)
    {
        int total = 0;
        for (int p = 0; p < NumClasses; p++) total += _counts[trueClass, p];
        return total;
    }

    /// <summary>The share of <paramref name="trueClass"/>'s samples predicted right; NaN for a class without samples.</summary>
    public double Recall(int trueClass)
    {
        int support = Support(trueClass);
        return support == 0 ? double.NaN : (double)_counts[trueClass, trueClass] / support;
    }

    /// <summary>Counts the pairs (<paramref name="labels"/>[i], <paramref name="predicted"/>[i]).</summary>
    /// <exception cref="ArgumentException">The arrays differ in length, or a class is outside 0..<paramref name="numClasses"/>−1.</exception>
    public static ConfusionMatrix Count(IReadOnlyList<int> labels, IReadOnlyList<int> predicted, int numClasses)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        if (labels.Count != predicted.Count)
            throw new ArgumentException($"confusion matrix: {labels.Count} labels but {predicted.Count} predictions; expected one prediction per label");
        var counts = new int[numClasses, numClasses];
        int correct = 0, largest = 0;
        for (int i = 0; i < labels.Count; i++)
        {
            int t = labels[i], p = predicted[i];
            if ((uint)t >= (uint)numClasses || (uint)p >= (uint)numClasses)
                throw new ArgumentException($"confusion matrix: sample {i} has label {t} and prediction {p}; classes are 0..{numClasses - 1}");
            largest = Math.Max(largest, ++counts[t, p]);
            if (t == p) correct++;
        }
        return new ConfusionMatrix(counts) { Total = labels.Count, Correct = correct, Largest = largest };
    }
}
