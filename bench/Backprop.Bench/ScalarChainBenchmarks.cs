using BenchmarkDotNet.Attributes;

namespace Backprop.Bench;

/// <summary>Per-operation overhead of the engine: 20,000 scalar operations and their backward pass.</summary>
[MemoryDiagnoser]
public class ScalarChainBenchmarks
{
    [Benchmark(OperationsPerInvoke = 20_000)]
    public double ScalarChain()
    {
        var x = Tensor.Scalar(0.5f, requiresGrad: true);
        var y = x;
        for (int i = 0; i < 5_000; i++) y = (y * 1.0001 + 0.1).Tanh() * 2.0;
        y.Backward();
        return x.Grad!.Item();
    }
}
