namespace Backprop.Cli.Bench;

/// <summary>
/// sgemm_N: C = A·B in float32 for N×N matrices; GFLOPS = 2N³ / best time of 5 after a warm-up. Each product's result
/// is released in a <see cref="TensorScope"/> as soon as it is made, as the peers release theirs (TorchSharp disposes
/// it, PyTorch frees it when the last reference goes) and as a training step does: the next product reuses the
/// buffer instead of the garbage collector handing out fresh memory, whose first touch cost ≈ 2 µs per 4 KB page on a
/// virtual machine (≈ 9 % of the time at n = 1024).
/// </summary>
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
            double seconds = Timing.Best(() => Product(a, b), 5, cancellation);
            yield return new BenchResult($"sgemm_{n}", 2.0 * n * n * n / seconds / 1e9, "GFLOPS");
        }
    }

    /// <summary>One product whose result is released at once (see the class summary); the gemm sweep times the same.</summary>
    internal static void Product(Tensor a, Tensor b)
    {
        using (TensorScope.Begin()) Tensor.MatMul(a, b);
    }
}
