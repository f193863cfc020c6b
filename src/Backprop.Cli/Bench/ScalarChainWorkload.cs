namespace Backprop.Cli.Bench;

/// <summary>
/// scalar_chain: 20,000 operations on 0-d tensors — 5,000 × (y = tanh(y·1.0001 + 0.1)·2) — then backward;
/// microseconds per operation (forward and backward together), best of 3. Measures per-operation overhead.
/// </summary>
public static class ScalarChainWorkload
{
    public const int Operations = 20_000;

    public static BenchResult Run(CancellationToken cancellation)
    {
        double seconds = Timing.Best(RunOnce, 3, cancellation);
        return new BenchResult("scalar_chain", seconds / Operations * 1e6, "us/op");
    }

    public static void RunOnce() => Chain();

    public static double Chain()
    {
        var x = Tensor.Scalar(0.5f, requiresGrad: true);
        var y = x;
        for (int i = 0; i < Operations / 4; i++) y = (y * 1.0001 + 0.1).Tanh() * 2.0;
        y.Backward();
        return x.Grad!.Item();
    }
}
