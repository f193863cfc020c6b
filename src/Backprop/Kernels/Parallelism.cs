using System.Runtime.ExceptionServices;

namespace Backprop.Kernels;

/// <summary>
/// The library's single thread knob, and the internal fork-join loop the compute kernels use to spread
/// independent work items over cores.
/// </summary>
public static class Parallelism
{
    /// <summary>
    /// Work (in multiply-adds or comparable units) below which a loop runs inline on the calling thread:
    /// waking a pool thread costs a few microseconds, about as long as 64K multiply-adds take on one core.
    /// </summary>
    internal const long InlineWorkThreshold = 64 * 1024;

    private static volatile int s_maxThreads = Environment.ProcessorCount;

    /// <summary>True while the current thread runs an item of <see cref="For{TBody}"/>; nested loops then run inline.</summary>
    [ThreadStatic] private static bool t_insideLoop;

    /// <summary>
    /// Maximum number of threads a single kernel call may use (the calling thread included).
    /// Defaults to <see cref="Environment.ProcessorCount"/>; values below 1 are clamped to 1.
    /// Results of the library's kernels do not depend on this value.
    /// </summary>
    public static int MaxThreads
    {
        get => s_maxThreads;
        set => s_maxThreads = Math.Max(1, value);
    }

    /// <summary>
    /// Number of threads <see cref="For{TBody}"/> would use for <paramref name="count"/> items of
    /// <paramref name="workPerItem"/> each: 1 when the total is below <see cref="InlineWorkThreshold"/>,
    /// when called from inside another parallel loop, or when <see cref="MaxThreads"/> is 1; otherwise at most
    /// one thread per item and per <see cref="InlineWorkThreshold"/> of work. Kernels use it to pick how finely
    /// to cut their work (the result must never depend on it).
    /// </summary>
    internal static int ThreadsFor(int count, long workPerItem)
    {
        int max = s_maxThreads;
        if (max <= 1 || count <= 1 || t_insideLoop)
            return 1;
        long total = (long)count * Math.Max(workPerItem, 1);
        if (total < InlineWorkThreshold)
            return 1;
        return (int)Math.Min(Math.Min(max, count), total / InlineWorkThreshold);
    }

    /// <summary>
    /// Runs <c>body.Invoke(i)</c> for every i in [0, <paramref name="count"/>) and returns when all are done.
    /// Items run concurrently on up to <see cref="ThreadsFor"/> threads (the caller works too and items are
    /// handed out in increasing order, first come first served); small loops run inline, with no allocation.
    /// Parallel runs reuse a pooled job object, so they do not allocate in steady state either.
    /// </summary>
    /// <typeparam name="TBody">
    /// A struct callback; it is copied to the worker threads, so items must communicate only through memory the
    /// struct points to (arrays, pointers), not by mutating the struct's own fields. Items must be independent.
    /// </typeparam>
    /// <param name="count">Number of work items.</param>
    /// <param name="workPerItem">Approximate cost of one item, in multiply-adds; decides whether threads pay off.</param>
    /// <param name="body">The callback.</param>
    /// <remarks>
    /// Exceptions thrown by items are rethrown on the caller (the first one; remaining items still run).
    /// A loop started from inside an item runs inline, which avoids oversubscription and deadlock.
    /// </remarks>
    internal static void For<TBody>(int count, long workPerItem, TBody body) where TBody : struct, IParallelBody
    {
        if (count <= 0)
            return;
        int threads = ThreadsFor(count, workPerItem);
        if (threads <= 1)
        {
            for (int i = 0; i < count; i++)
                body.Invoke(i);
            return;
        }
        ParallelJob<TBody>.Run(count, threads, body);
    }

    /// <summary>One fork-join loop, shared by the caller and the pool threads helping it; pooled per body type.</summary>
    private sealed class ParallelJob<TBody> : IThreadPoolWorkItem where TBody : struct, IParallelBody
    {
        private static ParallelJob<TBody>? s_free;

        private TBody _body;
        private int _count;
        private int _next;      // next item to hand out
        private int _done;      // items finished (successfully or not)
        private int _refs;      // parties (caller + queued helpers) still holding this job
        private ExceptionDispatchInfo? _error;

        public static void Run(int count, int threads, TBody body)
        {
            var job = Interlocked.Exchange(ref s_free, null) ?? new ParallelJob<TBody>();
            job._body = body;
            job._count = count;
            job._next = 0;
            job._done = 0;
            job._error = null;
            job._refs = threads;
            for (int t = 1; t < threads; t++)
                ThreadPool.UnsafeQueueUserWorkItem(job, preferLocal: false);

            job.RunItems();
            // Items still running elsewhere finish soon; spin (yielding, never sleeping) rather than block.
            var spin = new SpinWait();
            while (Volatile.Read(ref job._done) < count)
                spin.SpinOnce(sleep1Threshold: -1);
            var error = job._error;
            job.Release();
            error?.Throw();
        }

        // Helper threads that start late find no items left and simply let go of the job.
        void IThreadPoolWorkItem.Execute()
        {
            RunItems();
            Release();
        }

        private void RunItems()
        {
            bool wasInside = t_insideLoop;
            t_insideLoop = true;
            try
            {
                int i;
                while ((i = Interlocked.Increment(ref _next) - 1) < _count)
                {
                    try
                    {
                        _body.Invoke(i);
                    }
                    catch (Exception e)
                    {
                        Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null);
                    }
                    Interlocked.Increment(ref _done);
                }
            }
            finally
            {
                t_insideLoop = wasInside;
            }
        }

        private void Release()
        {
            if (Interlocked.Decrement(ref _refs) != 0)
                return;
            _body = default;
            _error = null;
            Interlocked.CompareExchange(ref s_free, this, null);
        }
    }
}

/// <summary>Callback for <see cref="Parallelism.For{TBody}"/>: one call per work item index.</summary>
internal interface IParallelBody
{
    /// <summary>Processes work item <paramref name="index"/>.</summary>
    void Invoke(int index);
}
