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

    /// <summary>
    /// Seconds per run, for runs too short or too unequal to time one at a time: after a warm-up, the number of runs
    /// per measurement is doubled until a batch takes a tenth of <paramref name="targetSeconds"/>, then scaled so one
    /// measurement takes about <paramref name="targetSeconds"/>; the result is the median of
    /// <paramref name="measurements"/> such batches, divided by the runs in each. tools/gemm_sweep.py and
    /// tools/gemm-sweep-torchsharp time the same way.
    /// </summary>
    public static double MedianOfBatches(Action run, double targetSeconds, int measurements, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        run();
        long reps = 1;
        double seconds;
        while ((seconds = TimeBatch(run, reps)) < targetSeconds / 10 && reps < 1L << 30) reps *= 2;
        reps = Math.Max(1, (long)Math.Ceiling(reps * targetSeconds / seconds));
        var times = new double[measurements];
        for (int i = 0; i < measurements; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            times[i] = TimeBatch(run, reps) / reps;
        }
        Array.Sort(times);
        return measurements % 2 == 1 ? times[measurements / 2] : (times[measurements / 2 - 1] + times[measurements / 2]) / 2;
    }

    private static double TimeBatch(Action run, long reps)
    {
        long start = Stopwatch.GetTimestamp();
        for (long i = 0; i < reps; i++) run();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
