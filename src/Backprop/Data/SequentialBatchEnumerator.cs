using System.Collections;

namespace Backprop.Data;

/// <summary>The enumerator a <see cref="DataLoader{TBatch}"/> gives its own callers (the trainer): the batches and each one's sample count.</summary>
internal interface IBatchEnumerator<TBatch> : IEnumerator<TBatch>
{
    /// <summary>The number of samples in <see cref="IEnumerator{T}.Current"/>.</summary>
    int CurrentCount { get; }
}

/// <summary>Yields an epoch's batches on the caller's thread, reusing one slot (so gathered batches reuse their buffers).</summary>
internal sealed class SequentialBatchEnumerator<TBatch>(EpochPlan<TBatch> plan) : IBatchEnumerator<TBatch>
{
    private readonly BatchSlot<TBatch> _slot = new();
    private bool _hasCurrent;
    private int _next;

    public TBatch Current => _hasCurrent ? _slot.Batch : throw new InvalidOperationException("MoveNext has not been called, or returned false.");

    public int CurrentCount => _hasCurrent ? _slot.Count : 0;

    object? IEnumerator.Current => Current;

    public bool MoveNext()
    {
        _hasCurrent = _next < plan.BatchCount && plan.Produce(_next, _slot);
        if (_hasCurrent) _next++;
        else _next = plan.BatchCount;
        return _hasCurrent;
    }

    public void Reset() => throw new NotSupportedException("Start a new epoch by enumerating the DataLoader again.");

    public void Dispose()
    {
        _hasCurrent = false;
        plan.Dispose();
    }
}
