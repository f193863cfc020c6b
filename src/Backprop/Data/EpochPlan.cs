namespace Backprop.Data;

/// <summary>
/// One epoch of a <see cref="DataLoader"/>: the sample order, fixed when the epoch starts, and how to copy batch k
/// of it into a batch buffer. Shared by the sequential and the prefetching enumerators so both yield identical batches.
/// </summary>
internal sealed class EpochPlan
{
    private readonly Dataset _dataset;
    private readonly int[] _order;
    private readonly int _batchSize;
    private readonly int[] _sampleShape;

    public EpochPlan(Dataset dataset, int[] order, int batchSize, int batchCount, Action<int>? onFillingBatch)
    {
        _dataset = dataset;
        _order = order;
        _batchSize = batchSize;
        _sampleShape = dataset.SampleShape;
        BatchCount = batchCount;
        OnFillingBatch = onFillingBatch;
    }

    public int BatchCount { get; }

    /// <summary>Called with the batch number before each batch is filled; lets tests inject a failure.</summary>
    public Action<int>? OnFillingBatch { get; }

    /// <summary>The number of samples in batch <paramref name="batchNumber"/>: the batch size, except possibly for the last.</summary>
    public int CountOf(int batchNumber) => Math.Min(_batchSize, _order.Length - batchNumber * _batchSize);

    /// <summary>New arrays for a batch of <paramref name="count"/> samples.</summary>
    public Batch NewBuffer(int count) =>
        new(new float[count * _dataset.SampleSize], new int[count], _sampleShape, new int[count]);

    /// <summary>Copies batch <paramref name="batchNumber"/> into <paramref name="buffer"/>, which must have its size.</summary>
    public void Fill(int batchNumber, Batch buffer)
    {
        OnFillingBatch?.Invoke(batchNumber);
        int sampleSize = _dataset.SampleSize;
        ReadOnlySpan<float> source = _dataset.Features;
        Span<float> features = buffer.Features;
        int start = batchNumber * _batchSize;
        for (int b = 0; b < buffer.Count; b++)
        {
            int row = _order[start + b];
            source.Slice(row * sampleSize, sampleSize).CopyTo(features.Slice(b * sampleSize, sampleSize));
            buffer.Labels[b] = _dataset.Labels[row];
            buffer.Indices[b] = row;
        }
    }
}
