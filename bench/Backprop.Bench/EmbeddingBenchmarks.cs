using Backprop.Kernels;
using BenchmarkDotNet.Attributes;

namespace Backprop.Bench;

/// <summary>
/// The embedding kernels at the GPT benchmark's shapes (12×64 tokens into an 83×128 float table, looked up once per
/// step), and average pooling at the CNN benchmark's second pooling shape (64×64 planes of 14×14, 2×2 windows), for a
/// comparison with max pooling in <see cref="ConvBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
public class EmbeddingBenchmarks
{
    private const int Rows = 83, Width = 128, Tokens = 12 * 64;
    private readonly Pool2dGeometry _pool = new("max_pool2d", 64, 64, 14, 14, 2, 2, 2, 2);
    private float[] _table = [], _output = [], _gradOutput = [], _gradTable = [];
    private float[] _poolIn = [], _poolOut = [], _poolGradIn = [];
    private int[] _indices = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        float[] Fill(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1); return a; }
        (_table, _output, _gradOutput, _gradTable) = (Fill(Rows * Width), new float[Tokens * Width], Fill(Tokens * Width), new float[Rows * Width]);
        _indices = Enumerable.Range(0, Tokens).Select(_ => rng.Next(Rows)).ToArray();
        (_poolIn, _poolOut, _poolGradIn) = (Fill(_pool.InputLength), new float[_pool.OutputLength], new float[_pool.InputLength]);
    }

    [Benchmark]
    public void EmbeddingForward() => EmbeddingKernel.Gather<float>(_table, _indices, _output, Width);

    /// <summary>The backward as the operator runs it: a cleared table gradient, then the index-add.</summary>
    [Benchmark]
    public void EmbeddingBackward()
    {
        Array.Clear(_gradTable);
        EmbeddingKernel.IndexAdd<float>(_gradOutput, _indices, _gradTable, Width);
    }

    [Benchmark]
    public void AvgPoolForward() => AvgPool2dKernel.Forward<float>(_poolIn, _poolOut, _pool);

    [Benchmark]
    public void AvgPoolBackward() => AvgPool2dKernel.Backward<float>(_poolOut, _poolGradIn, _pool);
}
