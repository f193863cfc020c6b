namespace Backprop.Cli.Bench;

/// <summary>sgemm_N: C = A·B in float32 for N×N matrices; GFLOPS = 2N³ / best time of 5 after a warm-up.</summary>
public static class GemmWorkload
{
    public static IEnumerable<BenchResult> Run(CancellationToken cancellation)
    {
        foreach (int n in (int[])[256, 512, 1024, 2048])
        {
            var gen = new Generator(0);
            var a = Tensor.Randn([n, n], gen);
            var b = Tensor.Randn([n, n], gen);
            using var _ = Autograd.NoGrad();
            double seconds = Timing.Best(() => Tensor.MatMul(a, b), 5, cancellation);
            yield return new BenchResult($"sgemm_{n}", 2.0 * n * n * n / seconds / 1e9, "GFLOPS");
        }
    }
}
