using System.Collections;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Backprop.Data;

/// <summary>
/// Yields an epoch's batches while a worker thread produces the next one, so copying overlaps with training.
/// </summary>
/// <remarks>
/// Two slots circulate: the consumer holds one (Current) while the worker fills the other. The consumer hands its
/// slot back only when it calls MoveNext again, so a yielded batch is never overwritten while it is Current — the
/// same guarantee as the sequential enumerator. The worker therefore runs at most one batch ahead. An exception in
/// the worker is rethrown, with its original stack trace, from the MoveNext that would have returned that batch.
/// Dispose cancels the worker and waits for it to finish.
/// </remarks>
internal sealed class PrefetchingBatchEnumerator<TBatch>(EpochPlan<TBatch> plan) : IBatchEnumerator<TBatch>
{
    private readonly BlockingCollection<BatchSlot<TBatch>> _freeSlots = new();
    private readonly BlockingCollection<(BatchSlot<TBatch>? Slot, ExceptionDispatchInfo? Error)> _ready = new();
    private readonly CancellationTokenSource _cancellation = new();
    private Thread? _worker;
    private BatchSlot<TBatch>? _current;
    private bool _finished;
    private bool _disposed;

    public TBatch Current => _current is { } slot ? slot.Batch : throw new InvalidOperationException("MoveNext has not been called, or returned false.");

    public int CurrentCount => _current?.Count ?? 0;

    object? IEnumerator.Current => Current;

    public bool MoveNext()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_finished) return false;
        if (_worker is null) StartWorker();
        if (_current is not null) _freeSlots.Add(_current);
        _current = null;

        if (!_ready.TryTake(out var item, Timeout.Infinite))
        {
            _finished = true;
            return false;
        }
        if (item.Error is not null)
        {
            _finished = true;
            item.Error.Throw();
        }
        _current = item.Slot;
        return true;
    }

    private void StartWorker()
    {
        _freeSlots.Add(new BatchSlot<TBatch>());
        _freeSlots.Add(new BatchSlot<TBatch>());
        _worker = new Thread(ProduceBatches) { IsBackground = true, Name = "Backprop DataLoader prefetch" };
        _worker.Start();
    }

    private void ProduceBatches()
    {
        CancellationToken token = _cancellation.Token;
        try
        {
            for (int k = 0; k < plan.BatchCount; k++)
            {
                var slot = _freeSlots.Take(token);
                if (!plan.Produce(k, slot)) break;
                _ready.Add((slot, null), token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            _ready.Add((null, ExceptionDispatchInfo.Capture(e)));
        }
        finally
        {
            _ready.CompleteAdding();
        }
    }

    public void Reset() => throw new NotSupportedException("Start a new epoch by enumerating the DataLoader again.");

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _cancellation.Cancel();
        _worker?.Join();
        _current = null;
        plan.Dispose();
        _cancellation.Dispose();
        _freeSlots.Dispose();
        _ready.Dispose();
    }
}
