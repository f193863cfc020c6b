using Backprop.Kernels;
using BenchmarkDotNet.Attributes;

namespace Backprop.Bench;

/// <summary>
/// Square GEMM throughput (report GFLOPS as 2·N³ / mean time) for float and double at 1 and all threads,
/// plus the small products a tiny MLP issues thousands of times per second, where call overhead dominates.
/// </summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private float[] _af = [], _bf = [], _cf = [];
    private double[] _ad = [], _bd = [], _cd = [];
    private float[] _smallA = [], _smallB = [], _smallC = [];
    private float[] _mnistA = [], _mnistB = [], _mnistC = [];
    private int _savedThreads;

    [Params(256, 512, 1024, 2048)]
    public int N { get; set; }

    /// <summary>0 means all cores (<see cref="Environment.ProcessorCount"/>).</summary>
    [Params(1, 0)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        _af = Fill(new float[N * N], rng);
        _bf = Fill(new float[N * N], rng);
        _cf = new float[N * N];
        _ad = Array.ConvertAll(_af, x => (double)x);
        _bd = Array.ConvertAll(_bf, x => (double)x);
        _cd = new double[N * N];
        _smallA = Fill(new float[32 * 16], rng);
        _smallB = Fill(new float[16 * 16], rng);
        _smallC = new float[32 * 16];
        _mnistA = Fill(new float[64 * 784], rng);
        _mnistB = Fill(new float[784 * 256], rng);
        _mnistC = new float[64 * 256];
        _savedThreads = Parallelism.MaxThreads;
        Parallelism.MaxThreads = Threads == 0 ? Environment.ProcessorCount : Threads;
    }

    [GlobalCleanup]
    public void Cleanup() => Parallelism.MaxThreads = _savedThreads;

    [Benchmark]
    public void Float() => Gemm.Multiply(_af, _bf, _cf, N, N, N);

    [Benchmark]
    public void Double() => Gemm.Multiply(_ad, _bd, _cd, N, N, N);

    [Benchmark]
    public void FloatTransposedB() => Gemm.Multiply(_af, _bf, _cf, N, N, N, transB: true);

    /// <summary>A tiny MLP layer: batch 32, 16 inputs, 16 outputs (independent of <see cref="N"/>).</summary>
    [Benchmark]
    public void Small_32x16x16() => Gemm.Multiply(_smallA, _smallB, _smallC, 32, 16, 16);

    /// <summary>An MNIST-sized layer: batch 64, 784 inputs, 256 outputs (independent of <see cref="N"/>).</summary>
    [Benchmark]
    public void Mnist_64x256x784() => Gemm.Multiply(_mnistA, _mnistB, _mnistC, 64, 256, 784);

    private static float[] Fill(float[] x, Random rng)
    {
        for (int i = 0; i < x.Length; i++)
            x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }
}
