using BenchmarkDotNet.Attributes;

namespace Backprop.Bench;

/// <summary>
/// The GPT benchmark's c_fc and its GELU (768 rows of 128 → 512, float32), forward and backward through the weight and
/// the input, as two operators (linear then gelu) and as the fused linear_gelu; each run inside a TensorScope, as a
/// training step runs, so buffers come from the pool.
/// </summary>
[MemoryDiagnoser, MedianColumn]
public class LinearGeluBenchmarks
{
    private Tensor _x = null!, _w = null!, _upstream = null!;

    [GlobalSetup]
    public void Setup()
    {
        var gen = new Generator(1);
        _x = Tensor.Randn([768, 128], gen);
        _x.RequiresGrad = true;
        _w = (Tensor.Randn([512, 128], gen) * 0.02).Detach();
        _w.RequiresGrad = true;
        _upstream = Tensor.Randn([768, 512], gen);
    }

    [Benchmark(Baseline = true)] public void LinearThenGelu() => Step(fused: false);
    [Benchmark] public void LinearGelu() => Step(fused: true);

    private void Step(bool fused)
    {
        using var scope = TensorScope.Begin();
        var y = fused ? Tensor.LinearGelu(_x, _w) : Tensor.Linear(_x, _w).Gelu();
        y.Backward(_upstream);
    }
}
