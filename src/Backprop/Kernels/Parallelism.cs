using System.Runtime.ExceptionServices;

namespace Backprop.Kernels;

/// <summary>
/// The library's thread limit, and the internal fork-join loop the compute kernels use to spread independent work
/// items over cores.
/// </summary>
/// <remarks>
/// The limit has two levels: a process-wide default (<see cref="MaxThreads"/>, for an application to set once) and
/// a scoped override (<see cref="Limit"/>) that follows the calling code's async flow, so concurrent callers — tests
/// running in parallel, or two models trained side by side — each get their own limit without racing. The limit is
/// read on the thread that starts a loop; the items it hands to pool threads run with that thread's execution
/// context, so a scoped setting such as the GEMM instruction-set override reaches them too.
/// </remarks>
public static class Parallelism
{
    /// <summary>
    /// Work (in multiply-adds or comparable units) below which a loop runs inline on the calling thread:
    /// waking a pool thread costs a few microseconds, about as long as 64K multiply-adds take on one core.
    /// </summary>
    internal const long InlineWorkThreshold = 64 * 1024;

    /// <summary>Free jobs kept per loop body type (see ParallelJob).</summary>
    private const int FreeJobs = 4;

    private static volatile int s_maxThreads = Environment.ProcessorCount;

    /// <summary>The innermost <see cref="Limit"/> in the current async flow; 0 when there is none.</summary>
    private static readonly AsyncLocal<int> s_scopedLimit = new();

    /// <summary>The <see cref="LoopProbe"/> recording the current flow's loops, if any.</summary>
    private static readonly AsyncLocal<LoopProbe?> s_probe = new();

    /// <summary>True while the current thread runs an item of <see cref="For{TBody}"/>; nested loops then run inline.</summary>
    [ThreadStatic] private static bool t_insideLoop;

    /// <summary>
    /// The process-wide default for the maximum number of threads a single kernel call may use (the calling thread
    /// included), in effect wherever no <see cref="Limit"/> scope is. Defaults to
    /// <see cref="Environment.ProcessorCount"/>; values below 1 are clamped to 1. Results of the library's kernels
    /// do not depend on this value. Code that runs next to other code (a library, a test) should use
    /// <see cref="Limit"/> instead of changing it.
    /// </summary>
    public static int MaxThreads
    {
        get => s_maxThreads;
        set => s_maxThreads = Math.Max(1, value);
    }

    /// <summary>
    /// The limit in effect for kernel calls made here: the innermost <see cref="Limit"/> scope of the current async
    /// flow, or else <see cref="MaxThreads"/>.
    /// </summary>
    public static int CurrentMaxThreads
    {
        get
        {
            int scoped = s_scopedLimit.Value;
            return scoped > 0 ? scoped : s_maxThreads;
        }
    }

    /// <summary>
    /// Sets the maximum number of threads for kernel calls made in the current async flow (this thread, and the
    /// tasks it starts) until the returned scope is disposed; other threads keep their own limit. Scopes nest: the
    /// innermost one applies, and disposing it restores the one around it. It may also raise the limit above
    /// <see cref="MaxThreads"/>.
    /// </summary>
    /// <param name="maxThreads">The limit; values below 1 are clamped to 1.</param>
    /// <returns>The scope; dispose it on the thread (or in the async method) that created it.</returns>
    /// <example><code>using (Parallelism.Limit(1)) model.Forward(x); // single-threaded, whatever the default</code></example>
    public static ThreadLimitScope Limit(int maxThreads)
    {
        int previous = s_scopedLimit.Value;
        s_scopedLimit.Value = Math.Max(1, maxThreads);
        return new ThreadLimitScope(previous);
    }

    /// <summary>Restores the limit that was in effect before <see cref="Limit"/>.</summary>
    public readonly struct ThreadLimitScope : IDisposable
    {
        private readonly int _previous;

        internal ThreadLimitScope(int previous) => _previous = previous;

        /// <summary>Ends the scope.</summary>
        public void Dispose() => s_scopedLimit.Value = _previous;
    }

    /// <summary>
    /// Starts recording the parallel loops begun in the current async flow (see <see cref="LoopProbe"/>), until the
    /// probe is disposed. Lets tests show that work they claim is spread over threads really is.
    /// </summary>
    internal static LoopProbe Probe()
    {
        var probe = new LoopProbe(s_probe.Value);
        s_probe.Value = probe;
        return probe;
    }

    internal static void EndProbe(LoopProbe probe, LoopProbe? outer)
    {
        if (s_probe.Value == probe)
            s_probe.Value = outer;
    }

    /// <summary>
    /// Number of threads <see cref="For{TBody}"/> would use for <paramref name="count"/> items of
    /// <paramref name="workPerItem"/> each: 1 when the total is below <paramref name="minWorkPerThread"/>
    /// (<see cref="InlineWorkThreshold"/> unless given), when called from inside another parallel loop, or when
    /// <see cref="CurrentMaxThreads"/> is 1; otherwise at most one thread per item and per
    /// <paramref name="minWorkPerThread"/> of work. Kernels use it to pick how finely to cut their work (the result
    /// must never depend on it). Reads the limit on the calling thread.
    /// </summary>
    internal static int ThreadsFor(int count, long workPerItem, long minWorkPerThread = InlineWorkThreshold)
    {
        if (count <= 1 || t_insideLoop)
            return 1;
        long total = (long)count * Math.Max(workPerItem, 1);
        if (total < minWorkPerThread)
            return 1;
        // Read only for loops big enough to split: an AsyncLocal costs a few nanoseconds, the cheap tests above less.
        int max = CurrentMaxThreads;
        if (max <= 1)
            return 1;
        return (int)Math.Min(Math.Min(max, count), total / Math.Max(minWorkPerThread, 1));
    }

    /// <summary>
    /// Runs <c>body.Invoke(i)</c> for every i in [0, <paramref name="count"/>) and returns when all are done.
    /// Items run concurrently on up to <see cref="ThreadsFor"/> threads (the caller works too and items are
    /// handed out in increasing order, first come first served); small loops run inline, with no allocation.
    /// Parallel runs reuse a pooled job object, so they do not allocate in steady state either. Pool threads run
    /// their items in the caller's execution context, so scoped settings (AsyncLocal values) are the caller's.
    /// </summary>
    /// <typeparam name="TBody">
    /// A struct callback; it is copied to the worker threads, so items must communicate only through memory the
    /// struct points to (arrays, pointers), not by mutating the struct's own fields. Items must be independent.
    /// </typeparam>
    /// <param name="count">Number of work items.</param>
    /// <param name="workPerItem">Approximate cost of one item, in multiply-adds; decides whether threads pay off.</param>
    /// <param name="body">The callback.</param>
    /// <param name="minWorkPerThread">The work one more thread must have to be worth waking (see <see cref="ThreadsFor"/>).</param>
    /// <remarks>
    /// Exceptions thrown by items are rethrown on the caller (the first one; remaining items still run).
    /// A loop started from inside an item runs inline, which avoids oversubscription and deadlock.
    /// </remarks>
    internal static void For<TBody>(int count, long workPerItem, TBody body, long minWorkPerThread = InlineWorkThreshold)
        where TBody : struct, IParallelBody
    {
        if (count <= 0)
            return;
        int threads = ThreadsFor(count, workPerItem, minWorkPerThread);
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
        // Free jobs of this body type. A job is free only once its last helper has let go, and a helper queued late
        // (it found no item left) may still hold it when the caller's next loop starts: with one slot, that loop
        // allocated a new job (the benchmark MLP: about 0.6 KB a step). A few slots keep such stragglers' jobs.
        private static readonly ParallelJob<TBody>?[] s_free = new ParallelJob<TBody>?[FreeJobs];

        private TBody _body;
        private int _count;
        private int _next;      // next item to hand out
        private int _done;      // items finished (successfully or not)
        private int _refs;      // parties (caller + queued helpers) still holding this job
        private int _participants; // threads that ran at least one item, counted only while probed
        private ExceptionDispatchInfo? _error;
        private ExecutionContext? _context; // the caller's, for the helpers; null when its flow is suppressed
        private LoopProbe? _probe;

        private static readonly ContextCallback s_runItems = state => ((ParallelJob<TBody>)state!).RunItems();

        public static void Run(int count, int threads, TBody body)
        {
            var job = TakeFree() ?? new ParallelJob<TBody>();
            job._body = body;
            job._count = count;
            job._next = 0;
            job._done = 0;
            job._error = null;
            job._refs = threads;
            job._context = ExecutionContext.Capture();
            job._participants = 0;
            job._probe = s_probe.Value;
            for (int t = 1; t < threads; t++)
                ThreadPool.UnsafeQueueUserWorkItem(job, preferLocal: false);

            job.RunItems();
            // Items still running elsewhere finish soon; spin (yielding, never sleeping) rather than block.
            var spin = new SpinWait();
            while (Volatile.Read(ref job._done) < count)
                spin.SpinOnce(sleep1Threshold: -1);
            var error = job._error;
            // A thread counts itself before running its first item, so all of them are counted by now.
            job._probe?.RecordLoop(threads, Volatile.Read(ref job._participants));
            job.Release();
            error?.Throw();
        }

        // Helper threads that start late find no items left and simply let go of the job.
        void IThreadPoolWorkItem.Execute()
        {
            if (_context is { } context)
                ExecutionContext.Run(context, s_runItems, this);
            else
                RunItems();
            Release();
        }

        private void RunItems()
        {
            bool wasInside = t_insideLoop;
            t_insideLoop = true;
            bool counted = false;
            try
            {
                int i;
                while ((i = Interlocked.Increment(ref _next) - 1) < _count)
                {
                    if (!counted && _probe is not null)
                    {
                        Interlocked.Increment(ref _participants);
                        counted = true;
                    }
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
            _context = null;
            _probe = null;
            for (int i = 0; i < s_free.Length; i++)
                if (Interlocked.CompareExchange(ref s_free[i], this, null) is null)
                    return;
        }

        private static ParallelJob<TBody>? TakeFree()
        {
            for (int i = 0; i < s_free.Length; i++)
                if (Volatile.Read(ref s_free[i]) is not null && Interlocked.Exchange(ref s_free[i], null) is { } job)
                    return job;
            return null;
        }
    }
}

/// <summary>
/// What the parallel loops begun in one async flow did while a probe was active (see <see cref="Parallelism.Probe"/>):
/// the most threads a loop was planned for, and the most threads that ran items of one loop (a helper that starts
/// late may find no item left, so that can be fewer). Probes nest; an inner one also reports to the outer one.
/// </summary>
internal sealed class LoopProbe : IDisposable
{
    private readonly LoopProbe? _outer;
    private int _widestLoop = 1;
    private int _busiestLoop;
    private bool _disposed;

    internal LoopProbe(LoopProbe? outer) => _outer = outer;

    /// <summary>The most threads a loop was planned for (1 when every loop ran inline).</summary>
    public int WidestLoop => Volatile.Read(ref _widestLoop);

    /// <summary>The most threads that ran items of one parallel loop (0 when every loop ran inline).</summary>
    public int BusiestLoop => Volatile.Read(ref _busiestLoop);

    internal void RecordLoop(int plannedThreads, int participants)
    {
        RaiseTo(ref _widestLoop, plannedThreads);
        RaiseTo(ref _busiestLoop, participants);
        _outer?.RecordLoop(plannedThreads, participants);
    }

    // Loops of one flow may run on several threads at once (a task it started), so the maxima are kept lock-free.
    private static void RaiseTo(ref int location, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref location)) && Interlocked.CompareExchange(ref location, value, seen) != seen) { }
    }

    /// <summary>Stops recording; the flow's previous probe (if any) becomes current again.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Parallelism.EndProbe(this, _outer);
    }
}

/// <summary>Callback for <see cref="Parallelism.For{TBody}"/>: one call per work item index.</summary>
internal interface IParallelBody
{
    /// <summary>Processes work item <paramref name="index"/>.</summary>
    void Invoke(int index);
}
