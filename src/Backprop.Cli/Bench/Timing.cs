using System.Diagnostics;

namespace Backprop.Cli.Bench;

/// <summary>Timing as the reference script does it: one warm-up run, then the best of several.</summary>
public static class Timing
{
    /// <summary>The fastest of <paramref name="repetitions"/> runs after one warm-up, in seconds; a cancellation stops before the next run.</summary>
    public static double Best(Action run, int repetitions, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        run();
        double best = double.MaxValue;
        for (int i = 0; i < repetitions; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            long start = Stopwatch.GetTimestamp();
            run();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return best;
    }
}
