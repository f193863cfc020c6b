using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

/// <summary>
/// Runs code under a scoped thread limit (<see cref="Parallelism.Limit"/>, so tests running alongside keep theirs)
/// and checks that the limit really shaped the work: "the same result for any thread count" proves nothing if the
/// work was too small to be split, or if the limit did not reach the kernels.
/// </summary>
internal static class WithThreads
{
    /// <summary>
    /// Runs <paramref name="action"/> with at most <paramref name="threads"/> threads per kernel call, and asserts
    /// that some parallel loop inside was planned for exactly that many threads and that no loop ran on more.
    /// </summary>
    public static T Run<T>(int threads, Func<T> action)
    {
        using var limit = Parallelism.Limit(threads);
        using var probe = Parallelism.Probe();
        T result = action();
        Assert.True(probe.WidestLoop == threads,
            $"With a limit of {threads} threads the widest parallel loop was planned for {probe.WidestLoop}: the work is too small to show the limit.");
        Assert.InRange(probe.BusiestLoop, threads == 1 ? 0 : 1, threads);
        return result;
    }
}
