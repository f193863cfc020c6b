using System.Collections;

namespace Backprop.Data;

/// <summary>
/// Cuts a <see cref="Dataset"/> into <see cref="Batch"/>es for training: one enumeration (a <c>foreach</c>) is one
/// epoch, optionally in a new random order each epoch, optionally prepared one batch ahead on a worker thread.
/// </summary>
/// <remarks>
/// <para>
/// Shuffling: when a <see cref="Generator"/> is given, each call to <see cref="GetEnumerator"/> (each epoch) draws
/// a new permutation of the rows from it at once, with <see cref="Generator.Permutation"/>, before any batch is
/// produced. So the order of every epoch is determined by the generator's state at the start of that epoch:
/// saving <see cref="Generator.GetState"/> in a checkpoint between epochs and restoring it reproduces all later
/// epochs exactly. The generator is only used on the calling thread. Without a generator the order is 0, 1, 2, ….
/// </para>
/// <para>
/// Buffer reuse: to avoid allocating per batch, an epoch reuses the arrays of its full-size batches. A batch
/// returned as <c>Current</c> stays valid until the next call of <c>MoveNext</c> on the same enumerator (i.e. until
/// the next iteration of the <c>foreach</c>); after that its arrays may be overwritten with a later batch. Call
/// <see cref="Batch.Clone"/> to keep a batch longer. Each epoch has its own buffers, and a smaller last batch has
/// its own exactly-sized arrays (<see cref="Batch.Features"/> is always exactly Count × SampleSize long).
/// </para>
/// <para>
/// Prefetch: when enabled, a background thread fills the next batch while the caller works on the current one
/// (at most one batch ahead). It yields exactly the same batches as without prefetch. An exception on the worker
/// is rethrown from <c>MoveNext</c>; disposing the enumerator (which <c>foreach</c> does, also on <c>break</c>)
/// stops the worker and waits for it.
/// </para>
/// <para>The data set must not be modified while an epoch is running.</para>
/// </remarks>
public sealed class DataLoader : IEnumerable<Batch>
{
    /// <summary>Creates a loader.</summary>
    /// <param name="dataset">The samples to batch.</param>
    /// <param name="batchSize">The number of samples per batch (the last batch may be smaller unless <paramref name="dropLast"/>).</param>
    /// <param name="shuffle">The generator that draws each epoch's order; null keeps the data set's order.</param>
    /// <param name="dropLast">Leave out a last batch smaller than <paramref name="batchSize"/>.</param>
    /// <param name="prefetch">Prepare the next batch on a worker thread.</param>
    public DataLoader(Dataset dataset, int batchSize, Generator? shuffle = null, bool dropLast = false, bool prefetch = false)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        Dataset = dataset;
        BatchSize = batchSize;
        ShuffleGenerator = shuffle;
        DropLast = dropLast;
        Prefetch = prefetch;
    }

    /// <summary>The data set being batched.</summary>
    public Dataset Dataset { get; }

    /// <summary>The number of samples per full batch.</summary>
    public int BatchSize { get; }

    /// <summary>The generator that draws each epoch's order, or null for the data set's order.</summary>
    public Generator? ShuffleGenerator { get; }

    /// <summary>Whether a last batch smaller than <see cref="BatchSize"/> is left out.</summary>
    public bool DropLast { get; }

    /// <summary>Whether batches are prepared one ahead on a worker thread.</summary>
    public bool Prefetch { get; }

    /// <summary>The number of batches one epoch yields.</summary>
    public int BatchesPerEpoch => DropLast
        ? Dataset.Count / BatchSize
        : (int)(((long)Dataset.Count + BatchSize - 1) / BatchSize);

    /// <summary>The number of samples one epoch yields (fewer than the data set's when <see cref="DropLast"/> leaves some out).</summary>
    public int SamplesPerEpoch => DropLast ? BatchesPerEpoch * BatchSize : Dataset.Count;

    /// <summary>Lets tests make filling a batch fail, to check how failures on the worker thread surface.</summary>
    internal Action<int>? OnFillingBatch { get; set; }

    /// <summary>Starts an epoch: draws its order now (advancing <see cref="ShuffleGenerator"/>) and returns its batches.</summary>
    public IEnumerator<Batch> GetEnumerator()
    {
        int[] order = ShuffleGenerator?.Permutation(Dataset.Count) ?? Enumerable.Range(0, Dataset.Count).ToArray();
        var plan = new EpochPlan(Dataset, order, BatchSize, BatchesPerEpoch, OnFillingBatch);
        return Prefetch ? new PrefetchingBatchEnumerator(plan) : new SequentialBatchEnumerator(plan);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
