using System.Collections;

namespace Backprop.Data;

/// <summary>Yields an epoch's batches on the caller's thread, reusing one full-size buffer (plus one for a smaller last batch).</summary>
internal sealed class SequentialBatchEnumerator : IEnumerator<Batch>
{
    private readonly EpochPlan _plan;
    private Batch? _fullBuffer;
    private Batch? _current;
    private int _next;

    public SequentialBatchEnumerator(EpochPlan plan) => _plan = plan;

    public Batch Current => _current ?? throw new InvalidOperationException("MoveNext has not been called, or returned false.");

    object IEnumerator.Current => Current;

    public bool MoveNext()
    {
        if (_next >= _plan.BatchCount)
        {
            _current = null;
            return false;
        }
        int count = _plan.CountOf(_next);
        Batch buffer = _fullBuffer is not null && _fullBuffer.Count == count ? _fullBuffer : _plan.NewBuffer(count);
        if (_next == 0)
        {
            _fullBuffer = buffer;
        }
        _plan.Fill(_next, buffer);
        _current = buffer;
        _next++;
        return true;
    }

    public void Reset() => throw new NotSupportedException("Start a new epoch by enumerating the DataLoader again.");

    public void Dispose() => _current = null;
}
