using System.Collections;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Backprop.Data;

/// <summary>
/// Yields an epoch's batches while a worker thread fills the next one, so copying overlaps with training.
/// </summary>
/// <remarks>
/// Two full-size buffers circulate: the consumer holds one (Current) while the worker fills the other. The consumer
/// hands its buffer back only when it calls MoveNext again, so a yielded batch is never overwritten while it is
/// Current — the same guarantee as the sequential enumerator. The worker therefore runs at most one batch ahead.
/// An exception in the worker is rethrown, with its original stack trace, from the MoveNext that would have
/// returned that batch. Dispose cancels the worker and waits for it to finish.
/// </remarks>
internal sealed class PrefetchingBatchEnumerator : IEnumerator<Batch>
{
    private readonly EpochPlan _plan;
    private readonly BlockingCollection<Batch> _freeBuffers = new();
    private readonly BlockingCollection<(Batch? Batch, ExceptionDispatchInfo? Error)> _ready = new();
    private readonly CancellationTokenSource _cancellation = new();
    private Thread? _worker;
    private Batch? _current;
    private int _fullSize = -1;
    private bool _finished;
    private bool _disposed;

    public PrefetchingBatchEnumerator(EpochPlan plan) => _plan = plan;

    public Batch Current => _current ?? throw new InvalidOperationException("MoveNext has not been called, or returned false.");

    object IEnumerator.Current => Current;

    public bool MoveNext()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_finished)
        {
            return false;
        }
        if (_worker is null)
        {
            StartWorker();
        }
        if (_current is not null && _current.Count == _fullSize)
        {
            _freeBuffers.Add(_current);
        }
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
        _current = item.Batch;
        return true;
    }

    private void StartWorker()
    {
        if (_plan.BatchCount > 0)
        {
            _fullSize = _plan.CountOf(0);
            _freeBuffers.Add(_plan.NewBuffer(_fullSize));
            _freeBuffers.Add(_plan.NewBuffer(_fullSize));
        }
        _worker = new Thread(FillBatches) { IsBackground = true, Name = "Backprop DataLoader prefetch" };
        _worker.Start();
    }

    private void FillBatches()
    {
        CancellationToken token = _cancellation.Token;
        try
        {
            for (int k = 0; k < _plan.BatchCount; k++)
            {
                int count = _plan.CountOf(k);
                // Only a smaller last batch gets its own arrays; it is used once, so it is never overwritten.
                Batch buffer = count == _fullSize ? _freeBuffers.Take(token) : _plan.NewBuffer(count);
                _plan.Fill(k, buffer);
                _ready.Add((buffer, null), token);
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
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _cancellation.Cancel();
        _worker?.Join();
        _current = null;
        _cancellation.Dispose();
        _freeBuffers.Dispose();
        _ready.Dispose();
    }
}
