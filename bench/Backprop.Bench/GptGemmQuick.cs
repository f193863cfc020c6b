using System.Diagnostics;
using System.Globalization;
using Backprop.Kernels;

namespace Backprop.Bench;

/// <summary>
/// Quick in-process figures for <see cref="GptGemmShape.All"/> (`-- gpt-gemm [rounds [threads,...]]`): per shape and thread count,
/// the best and the median of many short batches, the rounds alternating thread counts and shapes so a change of load
/// on a shared machine hits all of them alike. Prints one line per case, then the time one iteration's linear-layer
/// products take at the best and median rates. On one thread it also reports the rate over the thread's own CPU time,
/// which time-sharing with other processes disturbs far less than the wall clock (it still sees their use of the
/// shared caches). Run with <c>DOTNET_TieredCompilation=0</c>, as the CLI ships.
/// </summary>
public static partial class GptGemmQuick
{
    public static void Run(string[] args)
    {
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
        int[] threadCounts = args.Length > 2
            ? args[2].Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray()
            : [1, Environment.ProcessorCount];
        var shapes = GptGemmShape.All;
        var rng = new Random(42);
        var operands = shapes.Select(s => (A: Fill(s.M * s.K, rng), B: Fill(s.K * s.N, rng), C: new float[s.M * s.N])).ToArray();
        var times = new List<double>[threadCounts.Length, shapes.Length];
        var cpuTimes = new List<double>[shapes.Length];
        for (int s = 0; s < shapes.Length; s++)
        {
            cpuTimes[s] = [];
            for (int t = 0; t < threadCounts.Length; t++)
                times[t, s] = [];
        }

        for (int round = 0; round < rounds; round++)
            for (int t = 0; t < threadCounts.Length; t++)
            {
                using var limit = Parallelism.Limit(threadCounts[t]);
                for (int s = 0; s < shapes.Length; s++)
                {
                    var (shape, (a, b, c)) = (shapes[s], operands[s]);
                    // About 0.3 ms of work per batch: long enough to time, short enough that many batches run unpreempted.
                    int reps = Math.Max(1, (int)(0.3e-3 * 100e9 / shape.Flops));
                    if (round == 0)
                        Multiply(shape, a, b, c, reps); // warm-up: JIT, pack buffers, pool threads
                    double cpuStart = ThreadCpuSeconds();
                    long start = Stopwatch.GetTimestamp();
                    Multiply(shape, a, b, c, reps);
                    times[t, s].Add(Stopwatch.GetElapsedTime(start).TotalSeconds / reps);
                    if (threadCounts[t] == 1)
                        cpuTimes[s].Add((ThreadCpuSeconds() - cpuStart) / reps);
                }
            }

        Console.WriteLine($"# {rounds} rounds, load average {LoadAverage()}");
        Console.WriteLine($"{"case",-36} {"threads",7} {"best GFLOPS",12} {"median GFLOPS",14} {"median us",10} {"CPU-time GFLOPS best/median",28}");
        for (int t = 0; t < threadCounts.Length; t++)
        {
            double bestIteration = 0, medianIteration = 0, bestCpuIteration = 0, medianCpuIteration = 0;
            for (int s = 0; s < shapes.Length; s++)
            {
                var (best, median) = BestAndMedian(times[t, s]);
                bestIteration += best * shapes[s].PerIteration;
                medianIteration += median * shapes[s].PerIteration;
                string cpu = "";
                if (threadCounts[t] == 1)
                {
                    var (bestCpu, medianCpu) = BestAndMedian(cpuTimes[s]);
                    bestCpuIteration += bestCpu * shapes[s].PerIteration;
                    medianCpuIteration += medianCpu * shapes[s].PerIteration;
                    cpu = string.Create(CultureInfo.InvariantCulture, $"{shapes[s].Flops / bestCpu / 1e9,14:F1} / {shapes[s].Flops / medianCpu / 1e9,5:F1}");
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{shapes[s],-36} {threadCounts[t],7} {shapes[s].Flops / best / 1e9,12:F1} {shapes[s].Flops / median / 1e9,14:F1} {median * 1e6,10:F1} {cpu}"));
            }
            double flops = shapes.Sum(s => s.Flops * s.PerIteration);
            string cpuIteration = threadCounts[t] == 1
                ? string.Create(CultureInfo.InvariantCulture, $"{flops / bestCpuIteration / 1e9,14:F1} / {flops / medianCpuIteration / 1e9,5:F1}")
                : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{"iteration (linear layers)",-36} {threadCounts[t],7} {flops / bestIteration / 1e9,12:F1} {flops / medianIteration / 1e9,14:F1} {medianIteration * 1e6,10:F1} {cpuIteration}"));
        }
        Console.WriteLine($"# load average {LoadAverage()}");
    }

    private static (double Best, double Median) BestAndMedian(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return (sorted[0], sorted[sorted.Length / 2]);
    }

    private static double ThreadCpuSeconds()
    {
        if (!OperatingSystem.IsLinux())
            return 0;
        ClockGetTime(3, out var ts); // CLOCK_THREAD_CPUTIME_ID
        return ts.Seconds + ts.Nanoseconds * 1e-9;
    }

    private struct TimeSpec
    {
        public long Seconds, Nanoseconds;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    private static void Multiply(GptGemmShape s, float[] a, float[] b, float[] c, int reps)
    {
        for (int r = 0; r < reps; r++)
            Gemm.Multiply(a, b, c, s.M, s.N, s.K, s.TransA, s.TransB);
    }

    internal static float[] Fill(int length, Random rng)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++)
            x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "unknown"; }
    }
}
