namespace Backprop.Data;

/// <summary>Where an enumerator keeps a batch: the batch, its sample count and, for gathered batches, its reusable buffers.</summary>
internal sealed class BatchSlot<TBatch>
{
    public TBatch Batch = default!;
    public int Count;
    public Tensor[]? Buffers;
}

/// <summary>
/// One epoch of a <see cref="DataLoader{TBatch}"/>: what batch k is, fixed when the epoch starts (the sample order is
/// drawn then). Shared by the sequential and the prefetching enumerators so both yield identical batches.
/// </summary>
internal abstract class EpochPlan<TBatch> : IDisposable
{
    protected EpochPlan(int batchCount, Action<int>? onFillingBatch) => (BatchCount, OnFillingBatch) = (batchCount, onFillingBatch);

    /// <summary>The number of batches (for a stream, the most there can be: it may end before).</summary>
    public int BatchCount { get; }

    /// <summary>Called with the batch number before each batch is produced; lets tests inject a failure.</summary>
    public Action<int>? OnFillingBatch { get; }

    /// <summary>Puts batch <paramref name="k"/> into <paramref name="slot"/>, reusing its buffers where it can; false when a stream has ended.</summary>
    public bool Produce(int k, BatchSlot<TBatch> slot)
    {
        OnFillingBatch?.Invoke(k);
        return ProduceCore(k, slot);
    }

    protected abstract bool ProduceCore(int k, BatchSlot<TBatch> slot);

    public virtual void Dispose() { }
}

/// <summary>Batches of a data set in a drawn order: rows [k·B, k·B + B) of <see cref="Order"/>.</summary>
internal abstract class IndexedEpochPlan<TBatch>(int[] order, int batchSize, int batchCount, Action<int>? onFillingBatch)
    : EpochPlan<TBatch>(batchCount, onFillingBatch)
{
    protected int[] Order { get; } = order;

    protected int BatchSize { get; } = batchSize;

    /// <summary>The number of samples in batch <paramref name="k"/>: the batch size, except possibly for the last.</summary>
    protected int CountOf(int k) => Math.Min(BatchSize, Order.Length - k * BatchSize);
}

/// <summary>
/// Batches gathered from tensor columns: each column's rows copied into buffers the slot keeps, so an epoch allocates
/// its buffers once (a smaller last batch gets its own) instead of a tensor per sample and batch.
/// </summary>
internal sealed class GatherEpochPlan<TBatch>(ITensorColumns<TBatch> data, int[] order, int batchSize, int batchCount, Action<int>? onFillingBatch)
    : IndexedEpochPlan<TBatch>(order, batchSize, batchCount, onFillingBatch)
{
    protected override bool ProduceCore(int k, BatchSlot<TBatch> slot)
    {
        int count = CountOf(k);
        var columns = data.Columns;
        if (slot.Buffers is null || slot.Count != count)
        {
            var buffers = new Tensor[columns.Count];
            for (int c = 0; c < buffers.Length; c++)
            {
                var column = columns[c];
                int[] shape = [count, .. column.ShapeArray.AsSpan(1)];
                // Fresh arrays, never from a TensorScope's pool: the batch outlives whatever scope the caller is in.
                buffers[c] = new Tensor(Storage.NewUninitialized(column.DType, Shapes.Numel(shape)), shape, column.DType);
            }
            (slot.Buffers, slot.Count, slot.Batch) = (buffers, count, data.Pack(buffers));
        }
        for (int c = 0; c < columns.Count; c++)
        {
            // A graph still holding last batch's values (kept past the next MoveNext) is told they were overwritten.
            slot.Buffers[c].MarkWritten("DataLoader");
            var copy = new CopyRows { Source = columns[c], Target = slot.Buffers[c], Order = Order, Start = k * BatchSize, Count = count };
            DTypeDispatch.RunAny(columns[c].DType, ref copy);
        }
        return true;
    }

    private struct CopyRows : IAnyDTypeAction
    {
        public Tensor Source, Target;
        public int[] Order;
        public int Start, Count;

        public readonly void Invoke<T>() where T : unmanaged
        {
            ReadOnlySpan<T> source = Source.Span<T>();
            Span<T> target = Target.Span<T>();
            int size = target.Length / Count;
            for (int b = 0; b < Count; b++) source.Slice(Order[Start + b] * size, size).CopyTo(target.Slice(b * size, size));
        }
    }
}

/// <summary>Batches built by a collate function from the samples the data set's indexer returns.</summary>
internal sealed class CollateEpochPlan<TSample, TBatch>(IDataset<TSample> data, Func<IReadOnlyList<TSample>, TBatch> collate, int[] order, int batchSize,
    int batchCount, Action<int>? onFillingBatch) : IndexedEpochPlan<TBatch>(order, batchSize, batchCount, onFillingBatch)
{
    protected override bool ProduceCore(int k, BatchSlot<TBatch> slot)
    {
        int count = CountOf(k);
        var samples = new TSample[count];
        for (int b = 0; b < count; b++) samples[b] = data[Order[k * BatchSize + b]];
        (slot.Batch, slot.Count) = (collate(samples), count);
        return true;
    }
}

/// <summary>Batches of consecutive samples of a stream, opened at the first batch (so it draws only once consumed).</summary>
internal sealed class StreamEpochPlan<TSample, TBatch>(IStreamingDataset<TSample> stream, Generator? generator, Func<IReadOnlyList<TSample>, TBatch> collate,
    int batchSize, int batchCount, Action<int>? onFillingBatch) : EpochPlan<TBatch>(batchCount, onFillingBatch)
{
    private IEnumerator<TSample>? _samples;

    protected override bool ProduceCore(int k, BatchSlot<TBatch> slot)
    {
        _samples ??= stream.Samples(generator).GetEnumerator();
        var samples = new List<TSample>(batchSize);
        while (samples.Count < batchSize && _samples.MoveNext()) samples.Add(_samples.Current);
        if (samples.Count == 0) return false;
        (slot.Batch, slot.Count) = (collate(samples), samples.Count);
        return true;
    }

    public override void Dispose() => _samples?.Dispose();
}
