using System.Collections;

namespace Backprop.Data;

/// <summary>
/// Cuts a data set into batches of tensors for training: one enumeration (a <c>foreach</c>) is one epoch, optionally
/// in a new random order each epoch, optionally prepared one batch ahead on a worker thread. A batch has the form of
/// a sample, stacked: a loader over <c>(Tensor, Tensor)</c> samples yields <c>(Tensor, Tensor)</c> batches, so
/// <c>foreach (var (x, y) in loader)</c> reads features [B, ..] and targets [B, ..].
/// </summary>
/// <remarks>
/// <para>
/// Batches: over a data set stored as tensors (<see cref="TensorDataset"/>, <see cref="Dataset"/>) the rows are
/// copied straight into batch tensors; over any other <see cref="IDataset{TSample}"/> the samples are read with its
/// indexer and joined by a collate function (by default <see cref="Collate.Stack(IReadOnlyList{Tensor})"/>; see
/// <see cref="DataLoader.Create{TSample, TBatch}(IDataset{TSample}, int, Func{IReadOnlyList{TSample}, TBatch}, Generator?, bool, bool)"/>
/// for another). Over an <see cref="IStreamingDataset{TSample}"/> a batch is the next <see cref="BatchSize"/>
/// samples of the stream and an epoch is <see cref="BatchesPerEpoch"/> batches (fewer if the stream ends).
/// </para>
/// <para>
/// Order: when a <see cref="Generator"/> is given, each call to <see cref="GetEnumerator"/> (each epoch) draws a new
/// permutation of the samples from it at once, with <see cref="Generator.Permutation"/>, before any batch is
/// produced; a stream draws from it as its samples are taken. Either way the batches of an epoch are determined by the
/// generator's state at the start of that epoch: saving <see cref="Generator.GetState"/> then (as the trainer's
/// checkpoints do) and restoring it reproduces the epoch exactly. Without a generator the order is 0, 1, 2, ….
/// </para>
/// <para>
/// Buffer reuse: gathered batches reuse their tensors. A batch returned as <c>Current</c> stays valid until the next
/// call of <c>MoveNext</c> on the same enumerator (the next iteration of the <c>foreach</c>); after that its tensors
/// may hold a later batch. <see cref="Tensor.Clone"/> one to keep it. Each epoch has its own buffers, and a smaller
/// last batch its own exactly-sized tensors. The tensors never come from a <see cref="TensorScope"/>'s pool.
/// </para>
/// <para>
/// Prefetch: when enabled, a background thread produces the next batch while the caller works on the current one
/// (at most one batch ahead). It yields exactly the same batches as without prefetch. An exception on the worker
/// is rethrown from <c>MoveNext</c>; disposing the enumerator (which <c>foreach</c> does, also on <c>break</c>)
/// stops the worker and waits for it. The data set must not be modified, nor the generator used elsewhere, while an
/// epoch is running.
/// </para>
/// </remarks>
/// <typeparam name="TBatch">What a batch is: a <see cref="Tensor"/>, a tuple of tensors, or what a collate function returns.</typeparam>
public sealed class DataLoader<TBatch> : IEnumerable<TBatch>
{
    private readonly Func<int[]?, EpochPlan<TBatch>> _plan;
    private readonly int _sampleCount;

    /// <summary>Creates a loader over a data set whose samples are batched with the default collate (stacking).</summary>
    /// <param name="dataset">The samples: tensors or tuples of tensors, or a <see cref="TensorDataset"/> or <see cref="Dataset"/>.</param>
    /// <param name="batchSize">The number of samples per batch (the last batch may be smaller unless <paramref name="dropLast"/>).</param>
    /// <param name="shuffle">The generator that draws each epoch's order; null keeps the data set's order.</param>
    /// <param name="dropLast">Leave out a last batch smaller than <paramref name="batchSize"/>.</param>
    /// <param name="prefetch">Prepare the next batch on a worker thread.</param>
    /// <exception cref="ArgumentException">The samples are of a type the default collate cannot stack (pass a collate function to <see cref="DataLoader.Create{TSample, TBatch}(IDataset{TSample}, int, Func{IReadOnlyList{TSample}, TBatch}, Generator?, bool, bool)"/>).</exception>
    public DataLoader(IDataset<TBatch> dataset, int batchSize, Generator? shuffle = null, bool dropLast = false, bool prefetch = false)
        : this(dataset?.Count ?? throw new ArgumentNullException(nameof(dataset)), batchSize, null, shuffle, dropLast, prefetch,
            dataset is ITensorColumns<TBatch> columns ? Gather(columns) : Collated(dataset, DefaultCollate<TBatch>()))
    {
    }

    /// <summary>Creates a loader over a stream whose samples are batched with the default collate (stacking).</summary>
    /// <param name="stream">The samples, possibly without end.</param>
    /// <param name="batchSize">Consecutive samples per batch.</param>
    /// <param name="batchesPerEpoch">The batches of one epoch (fewer when the stream ends first).</param>
    /// <param name="generator">The generator the stream draws from (see <see cref="IStreamingDataset{TSample}"/>); null for none.</param>
    /// <param name="prefetch">Prepare the next batch on a worker thread.</param>
    public DataLoader(IStreamingDataset<TBatch> stream, int batchSize, int batchesPerEpoch, Generator? generator = null, bool prefetch = false)
        : this(-1, batchSize, batchesPerEpoch, generator, dropLast: false, prefetch,
            Streamed(stream ?? throw new ArgumentNullException(nameof(stream)), DefaultCollate<TBatch>(), batchSize))
    {
    }

    internal DataLoader(int sampleCount, int batchSize, int? batchesPerEpoch, Generator? generator, bool dropLast, bool prefetch,
        Func<Generator?, int[]?, int, int, Action<int>?, EpochPlan<TBatch>> plan)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (batchesPerEpoch is { } n) ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n, nameof(batchesPerEpoch));
        (_sampleCount, BatchSize, Generator, DropLast, Prefetch) = (sampleCount, batchSize, generator, dropLast, prefetch);
        BatchesPerEpoch = batchesPerEpoch ?? (dropLast ? sampleCount / batchSize : (int)(((long)sampleCount + batchSize - 1) / batchSize));
        _plan = order => plan(Generator, order, BatchSize, BatchesPerEpoch, OnFillingBatch);
    }

    /// <summary>The number of samples per full batch.</summary>
    public int BatchSize { get; }

    /// <summary>The generator that draws each epoch's order (or a stream's samples), or null.</summary>
    public Generator? Generator { get; }

    /// <summary>Whether a last batch smaller than <see cref="BatchSize"/> is left out.</summary>
    public bool DropLast { get; }

    /// <summary>Whether batches are prepared one ahead on a worker thread.</summary>
    public bool Prefetch { get; }

    /// <summary>Whether the loader reads a stream (then <see cref="BatchesPerEpoch"/> is the most an epoch has).</summary>
    public bool IsStream => _sampleCount < 0;

    /// <summary>The number of batches one epoch yields (for a stream: at most).</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>The number of samples one epoch yields (fewer than the data set's when <see cref="DropLast"/> leaves some out; for a stream: at most).</summary>
    public long SamplesPerEpoch => IsStream ? (long)BatchesPerEpoch * BatchSize : DropLast ? (long)BatchesPerEpoch * BatchSize : _sampleCount;

    /// <summary>Lets tests make producing a batch fail, to check how failures on the worker thread surface.</summary>
    internal Action<int>? OnFillingBatch { get; set; }

    /// <summary>Starts an epoch: draws its order now (advancing <see cref="Generator"/>) and returns its batches.</summary>
    public IEnumerator<TBatch> GetEnumerator() => Open();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Starts an epoch, as <see cref="GetEnumerator"/>, with access to each batch's sample count.</summary>
    internal IBatchEnumerator<TBatch> Open()
    {
        int[]? order = IsStream ? null : Generator?.Permutation(_sampleCount) ?? Enumerable.Range(0, _sampleCount).ToArray();
        var plan = _plan(order);
        return Prefetch ? new PrefetchingBatchEnumerator<TBatch>(plan) : new SequentialBatchEnumerator<TBatch>(plan);
    }

    private static Func<Generator?, int[]?, int, int, Action<int>?, EpochPlan<TBatch>> Gather(ITensorColumns<TBatch> data) =>
        (_, order, batchSize, batches, hook) => new GatherEpochPlan<TBatch>(data, order!, batchSize, batches, hook);

    internal static Func<Generator?, int[]?, int, int, Action<int>?, EpochPlan<TBatch>> Collated<TSample>(IDataset<TSample> data, Func<IReadOnlyList<TSample>, TBatch> collate) =>
        (_, order, batchSize, batches, hook) => new CollateEpochPlan<TSample, TBatch>(data, collate, order!, batchSize, batches, hook);

    internal static Func<Generator?, int[]?, int, int, Action<int>?, EpochPlan<TBatch>> Streamed<TSample>(IStreamingDataset<TSample> stream, Func<IReadOnlyList<TSample>, TBatch> collate, int batchSize) =>
        (generator, _, size, batches, hook) => new StreamEpochPlan<TSample, TBatch>(stream, generator, collate, size, batches, hook);

    private static Func<IReadOnlyList<TSample>, TSample> DefaultCollate<TSample>() => Collate.Default<TSample>()
        ?? throw new ArgumentException(
            $"DataLoader: samples of type {typeof(TSample).Name} have no default collate (it stacks Tensor, (Tensor, Tensor) and (Tensor, Tensor, Tensor)); create the loader with DataLoader.Create(dataset, batchSize, collate)");
}

/// <summary>Creates <see cref="DataLoader{TBatch}"/>s whose batches are made by a collate function of the caller's.</summary>
public static class DataLoader
{
    /// <summary>A loader over <paramref name="dataset"/> whose batches are <paramref name="collate"/> of the samples, in order.</summary>
    /// <param name="dataset">The samples.</param>
    /// <param name="batchSize">Samples per batch (the last may be smaller unless <paramref name="dropLast"/>).</param>
    /// <param name="collate">Makes a batch of the samples (called on the worker thread when prefetching).</param>
    /// <param name="shuffle">The generator that draws each epoch's order; null keeps the data set's order.</param>
    /// <param name="dropLast">Leave out a last batch smaller than <paramref name="batchSize"/>.</param>
    /// <param name="prefetch">Prepare the next batch on a worker thread.</param>
    public static DataLoader<TBatch> Create<TSample, TBatch>(IDataset<TSample> dataset, int batchSize, Func<IReadOnlyList<TSample>, TBatch> collate,
        Generator? shuffle = null, bool dropLast = false, bool prefetch = false)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(collate);
        return new DataLoader<TBatch>(dataset.Count, batchSize, null, shuffle, dropLast, prefetch, DataLoader<TBatch>.Collated(dataset, collate));
    }

    /// <summary>A loader over a stream whose batches are <paramref name="collate"/> of <paramref name="batchSize"/> consecutive samples.</summary>
    /// <param name="stream">The samples, possibly without end.</param>
    /// <param name="batchSize">Consecutive samples per batch.</param>
    /// <param name="batchesPerEpoch">The batches of one epoch (fewer when the stream ends first).</param>
    /// <param name="collate">Makes a batch of the samples.</param>
    /// <param name="generator">The generator the stream draws from; null for none.</param>
    /// <param name="prefetch">Prepare the next batch on a worker thread.</param>
    public static DataLoader<TBatch> Create<TSample, TBatch>(IStreamingDataset<TSample> stream, int batchSize, int batchesPerEpoch,
        Func<IReadOnlyList<TSample>, TBatch> collate, Generator? generator = null, bool prefetch = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(collate);
        return new DataLoader<TBatch>(-1, batchSize, batchesPerEpoch, generator, dropLast: false, prefetch,
            DataLoader<TBatch>.Streamed(stream, collate, batchSize));
    }
}
