using System.Diagnostics;
using System.Globalization;
using Backprop.Kernels;

namespace Backprop.Bench;

/// <summary>
/// The GEMM's two schedules side by side in one process (`-- gemm-ab ROUNDS SCHEDULES [SHAPES|all] [THREADS]`):
/// SCHEDULES is a comma-separated list of <c>auto</c> (what the library picks), <c>equal</c> (one equal share per
/// thread) and <c>guided</c> (shrinking chunks, first come first served); SHAPES a comma-separated list of the sweep's
/// names (<c>256</c>, <c>768x128x384_nt</c>, ...). Every round runs every shape once per schedule, in a rotating
/// order, about 2 ms per batch, so a change of load hits all schedules alike; prints the median GFLOPS per schedule.
/// </summary>
public static class GemmScheduleAb
{
    public static void Run(string[] args)
    {
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        string[] schedules = args.Length > 2 ? args[2].Split(',') : ["equal", "guided"];
        int threads = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : Environment.ProcessorCount;
        var shapes = new List<(string Name, int M, int K, int N, bool TransA, bool TransB)>();
        foreach (int n in new[] { 64, 128, 256, 384, 512, 768, 1024, 1536, 2048 })
            shapes.Add(($"{n}", n, n, n, false, false));
        shapes.Add(("768x128x384_nt", 768, 128, 384, false, true));
        shapes.Add(("768x384x128_nn", 768, 384, 128, false, false));
        shapes.Add(("384x768x128_tn", 384, 768, 128, true, false));
        shapes.Add(("64x784x256_nt", 64, 784, 256, false, true));
        shapes.Add(("64x256x784_nn", 64, 256, 784, false, false));
        shapes.Add(("256x64x784_tn", 256, 64, 784, true, false));
        if (args.Length > 3 && args[3] != "all")
            shapes = shapes.Where(s => args[3].Split(',').Contains(s.Name)).ToList();

        using var limit = Parallelism.Limit(threads);
        var rng = new Random(1);
        var operands = shapes.Select(s => (A: Fill(s.M * s.K, rng), B: Fill(s.K * s.N, rng), C: new float[s.M * s.N])).ToArray();
        var times = new List<double>[shapes.Count, schedules.Length];
        for (int i = 0; i < shapes.Count; i++)
            for (int j = 0; j < schedules.Length; j++)
                times[i, j] = [];
        try
        {
            for (int round = 0; round < rounds; round++)
                for (int i = 0; i < shapes.Count; i++)
                {
                    int reps = Math.Max(1, (int)(2e-3 * 150e9 / Flops(shapes[i])));
                    for (int step = 0; step < schedules.Length; step++)
                    {
                        int j = (step + round) % schedules.Length;
                        TileChunks.ForceEqualShares = schedules[j] switch
                        {
                            "auto" => null,
                            "equal" => true,
                            "guided" => false,
                            var other => throw new ArgumentException($"unknown schedule '{other}': expected auto, equal or guided"),
                        };
                        if (round == 0)
                            Multiply(shapes[i], operands[i], 1); // warm-up: JIT, pack buffers, pool threads
                        long start = Stopwatch.GetTimestamp();
                        Multiply(shapes[i], operands[i], reps);
                        times[i, j].Add(Stopwatch.GetElapsedTime(start).TotalSeconds / reps);
                    }
                }
        }
        finally
        {
            TileChunks.ForceEqualShares = null;
        }

        Console.WriteLine($"# {rounds} rounds, {threads} threads, median GFLOPS; load average {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine($"{"product",-16}" + string.Concat(schedules.Select(s => $"{s,9}")));
        for (int i = 0; i < shapes.Count; i++)
            Console.WriteLine($"{shapes[i].Name,-16}" + string.Concat(Enumerable.Range(0, schedules.Length).Select(j =>
                string.Create(CultureInfo.InvariantCulture, $"{Flops(shapes[i]) / Median(times[i, j]) / 1e9,9:F1}"))));
    }

    private static double Flops((string Name, int M, int K, int N, bool TransA, bool TransB) s) => 2.0 * s.M * s.N * s.K;

    private static void Multiply((string Name, int M, int K, int N, bool TransA, bool TransB) s, (float[] A, float[] B, float[] C) o, int reps)
    {
        for (int i = 0; i < reps; i++)
            Gemm.Multiply(o.A, o.B, o.C, s.M, s.N, s.K, s.TransA, s.TransB, false);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static float[] Fill(int n, Random rng)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
            a[i] = (float)(rng.NextDouble() - 0.5);
        return a;
    }
}
