namespace Backprop.Data;

/// <summary>
/// A group of samples from a <see cref="Dataset"/>, as produced by <see cref="DataLoader"/>: the features of
/// <see cref="Count"/> samples one after another (row-major, shape [Count, ..SampleShape]) and their labels.
/// </summary>
/// <remarks>
/// A <see cref="DataLoader"/> reuses batch arrays: a batch it yields stays valid until the enumerator's next
/// <c>MoveNext</c> after the one that produced it (see <see cref="DataLoader"/>). Use <see cref="Clone"/> to keep one.
/// </remarks>
public sealed class Batch
{
    private readonly int[] _sampleShape;

    /// <summary>Creates a batch over the given arrays (not copied).</summary>
    /// <param name="features">Count × SampleSize values, sample after sample.</param>
    /// <param name="labels">One class index per sample; its length is the batch's <see cref="Count"/>.</param>
    /// <param name="sampleShape">The shape of one sample, without the batch dimension.</param>
    /// <param name="indices">The samples' row numbers in their data set; by default 0, 1, …, Count − 1.</param>
    /// <exception cref="ArgumentException">The lengths do not agree.</exception>
    public Batch(float[] features, int[] labels, int[] sampleShape, int[]? indices = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(sampleShape);
        long sampleSize = 1;
        foreach (int dimension in sampleShape)
        {
            sampleSize *= dimension;
        }
        if (features.LongLength != labels.LongLength * sampleSize)
        {
            throw new ArgumentException($"A batch of {labels.Length} samples of shape [{string.Join(", ", sampleShape)}] needs {labels.LongLength * sampleSize} feature values, but {features.Length} were given.", nameof(features));
        }
        if (indices is not null && indices.Length != labels.Length)
        {
            throw new ArgumentException($"A batch of {labels.Length} samples needs {labels.Length} indices, but {indices.Length} were given.", nameof(indices));
        }
        Features = features;
        Labels = labels;
        Indices = indices ?? Enumerable.Range(0, labels.Length).ToArray();
        _sampleShape = (int[])sampleShape.Clone();
        SampleSize = (int)sampleSize;
    }

    /// <summary>The features, <see cref="Count"/> × <see cref="SampleSize"/> values, row-major; exactly that long.</summary>
    public float[] Features { get; }

    /// <summary>The class index of each sample; exactly <see cref="Count"/> long.</summary>
    public int[] Labels { get; }

    /// <summary>The row number of each sample in the data set it came from (useful to find misclassified samples).</summary>
    public int[] Indices { get; }

    /// <summary>The number of samples in this batch (the last batch of an epoch may be smaller than the batch size).</summary>
    public int Count => Labels.Length;

    /// <summary>A copy of the shape of one sample, without the batch dimension.</summary>
    public int[] SampleShape => (int[])_sampleShape.Clone();

    /// <summary>The number of values per sample.</summary>
    public int SampleSize { get; }

    /// <summary>The shape of <see cref="Features"/> as a tensor: [Count, ..SampleShape].</summary>
    public int[] Shape => [Count, .. _sampleShape];

    /// <summary>A deep copy that no data loader will overwrite.</summary>
    public Batch Clone() => new((float[])Features.Clone(), (int[])Labels.Clone(), _sampleShape, (int[])Indices.Clone());
}
