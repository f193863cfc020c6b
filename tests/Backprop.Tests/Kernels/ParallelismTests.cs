using System.Collections.Concurrent;
using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

/// <summary>
/// The thread limit is scoped to the calling flow, read on the calling thread, and really decides how many threads
/// a parallel loop uses; the items run in the caller's execution context, so its scoped settings reach them.
/// </summary>
public class ParallelismTests
{
    // Long enough for the thread pool to inject a thread when all of its threads are busy (it does so about twice
    // a second), short enough that a broken limit fails the test rather than hanging the suite.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_loop_runs_on_exactly_as_many_threads_as_the_limit_allows(int limit)
    {
        using var scope = Parallelism.Limit(limit);
        using var probe = Parallelism.Probe();
        var threads = new ConcurrentDictionary<int, bool>();
        // Every item waits until `limit` distinct threads have shown up, so the loop can only finish if the limit's
        // worth of threads really takes part; more than that would be seen as extra thread ids.
        Parallelism.For(4 * limit, 1_000_000, new RendezvousBody { Threads = threads, Expected = limit, Deadline = DateTime.UtcNow + Patience });
        Assert.Equal(limit, threads.Count);
        Assert.Equal(limit, probe.WidestLoop);
        Assert.Equal(limit == 1 ? 0 : limit, probe.BusiestLoop);
    }

    [Fact]
    public void Limits_nest_and_are_restored()
    {
        int outside = Parallelism.CurrentMaxThreads;
        using (Parallelism.Limit(3))
        {
            Assert.Equal(3, Parallelism.CurrentMaxThreads);
            using (Parallelism.Limit(1))
                Assert.Equal(1, Parallelism.CurrentMaxThreads);
            Assert.Equal(3, Parallelism.CurrentMaxThreads);
            using (Parallelism.Limit(-5))
                Assert.Equal(1, Parallelism.CurrentMaxThreads); // clamped
        }
        Assert.Equal(outside, Parallelism.CurrentMaxThreads);
    }

    [Fact]
    public async Task Concurrent_flows_keep_their_own_limits()
    {
        // Two flows that run at the same time, each under its own limit, as two tests in parallel do.
        using var start = new Barrier(2);
        int Observe(int limit)
        {
            using var scope = Parallelism.Limit(limit);
            using var probe = Parallelism.Probe();
            start.SignalAndWait(Patience);
            for (int round = 0; round < 20; round++)
            {
                Assert.Equal(limit, Parallelism.CurrentMaxThreads);
                Parallelism.For(limit * 2, 1_000_000, new CountingBody { Hits = new int[limit * 2] });
            }
            return probe.WidestLoop;
        }
        var one = Task.Factory.StartNew(() => Observe(1), TaskCreationOptions.LongRunning);
        var three = Task.Factory.StartNew(() => Observe(3), TaskCreationOptions.LongRunning);
        int[] widest = await Task.WhenAll(one, three);
        Assert.Equal(new[] { 1, 3 }, widest);
    }

    [Fact]
    public void Items_on_pool_threads_see_the_callers_scoped_settings()
    {
        // The limit and the GEMM instruction set a kernel's items run with are the caller's, whichever thread runs
        // them (nested loops run inline, so the limit itself is only ever read on the caller).
        using var scope = Parallelism.Limit(2);
        var saved = Gemm.Isa;
        Gemm.Isa = GemmIsa.Scalar;
        try
        {
            var seen = new ConcurrentDictionary<int, (GemmIsa Isa, int Limit, int NestedThreads)>();
            Parallelism.For(8, 1_000_000, new SettingsBody { Seen = seen, Deadline = DateTime.UtcNow + Patience });
            Assert.Equal(2, seen.Count);
            Assert.All(seen.Values, s => Assert.Equal((GemmIsa.Scalar, 2, 1), s));
        }
        finally
        {
            Gemm.Isa = saved;
        }
    }

    [Fact]
    public void Back_to_back_loops_each_run_every_item_exactly_once()
    {
        // Loops follow each other faster than a helper queued for the last one may let go of its job, so jobs are
        // taken from the free list while others are still held: a job handed out twice would lose or repeat items.
        using var scope = Parallelism.Limit(2);
        for (int loop = 0; loop < 3000; loop++)
        {
            var hits = new int[2 + loop % 7];
            Parallelism.For(hits.Length, 1_000_000, new CountingBody { Hits = hits });
            Assert.All(hits, h => Assert.Equal(1, h));
        }
    }

    private struct RendezvousBody : IParallelBody
    {
        public ConcurrentDictionary<int, bool> Threads;
        public int Expected;
        public DateTime Deadline;

        public readonly void Invoke(int index)
        {
            Threads.TryAdd(Environment.CurrentManagedThreadId, true);
            while (Threads.Count < Expected && DateTime.UtcNow < Deadline)
                Thread.Sleep(1);
        }
    }

    private struct SettingsBody : IParallelBody
    {
        public ConcurrentDictionary<int, (GemmIsa, int, int)> Seen;
        public DateTime Deadline;

        public readonly void Invoke(int index)
        {
            Seen[Environment.CurrentManagedThreadId] = (Gemm.Isa, Parallelism.CurrentMaxThreads, Parallelism.ThreadsFor(8, 1_000_000));
            while (Seen.Count < 2 && DateTime.UtcNow < Deadline)
                Thread.Sleep(1);
        }
    }

    private struct CountingBody : IParallelBody
    {
        public int[] Hits;

        public readonly void Invoke(int index) => Interlocked.Increment(ref Hits[index]);
    }
}
