namespace Backprop.Cli.Bench;

/// <summary>
/// `bench gemm-sweep`: every <see cref="GemmShape"/> of the sweep in float32 and float64, GFLOPS = 2·M·K·N over the
/// median time per product (<see cref="Timing.MedianOfBatches"/>). The transposed operands are transpose views of
/// stored matrices, which the matrix product reads in place with the GEMM's flags, as the layers' backward does. Each
/// result is released at once, as the peers release theirs (<see cref="GemmWorkload.Product"/>).
/// </summary>
public static class GemmSweepWorkload
{
    /// <summary>Measurements per product, the median of which is reported.</summary>
    public const int Measurements = 5;

    /// <summary>The default time of one measurement, in seconds.</summary>
    public const double DefaultSeconds = 0.25;

    public static IEnumerable<BenchResult> Run(IReadOnlyList<GemmShape> shapes, IReadOnlyList<DType> dtypes, double seconds, CancellationToken cancellation)
    {
        foreach (var dtype in dtypes)
        {
            foreach (var shape in shapes)
            {
                var gen = new Generator(0);
                var a = Tensor.Randn(shape.StoredA, gen, dtype);
                var b = Tensor.Randn(shape.StoredB, gen, dtype);
                var opA = shape.TransA ? a.Transpose(0, 1) : a;
                var opB = shape.TransB ? b.Transpose(0, 1) : b;
                using var _ = Autograd.NoGrad();
                double perProduct = Timing.MedianOfBatches(() => GemmWorkload.Product(opA, opB), seconds, Measurements, cancellation);
                yield return new BenchResult(shape.Name(dtype), shape.Flops / perProduct / 1e9, "GFLOPS");
            }
        }
    }
}
