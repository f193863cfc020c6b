using Backprop.NN;
using BenchmarkDotNet.Attributes;

namespace Backprop.Bench;

/// <summary>
/// Batch norm in training mode, forward and backward of one batch through the layer, at a CNN's shapes (batch 64:
/// BatchNorm2d after conv1 [64, 32, 28, 28] and after conv2 [64, 64, 14, 14]) and after a linear layer
/// (BatchNorm1d [64, 256]): the fused operator the layer runs (<c>Fused</c>) against the same layer written with the
/// graph's own operators, as it was before the fusion (<c>Composite</c>: mean, subtract, square, mean, add, sqrt,
/// divide, multiply, add, and their backward).
/// </summary>
[MemoryDiagnoser]
public class BatchNormBenchmarks
{
    private Tensor _x = null!, _dy = null!, _weight = null!, _bias = null!;
    private BatchNorm _layer = null!;
    private int _savedThreads;

    /// <summary>The input's shape.</summary>
    [Params("64x32x28x28", "64x64x14x14", "64x256")]
    public string Shape { get; set; } = "";

    /// <summary>0 means all cores (<see cref="Environment.ProcessorCount"/>).</summary>
    [Params(1, 0)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        int[] shape = Shape.Split('x').Select(int.Parse).ToArray();
        var gen = new Generator(1);
        _x = Tensor.Normal(shape, 0.5, 2, gen);
        _x.RequiresGrad = true;
        _dy = Tensor.Normal(shape, 0, 1, gen);
        _layer = shape.Length == 4 ? new BatchNorm2d(shape[1]) : new BatchNorm1d(shape[1]);
        (_weight, _bias) = (_layer.Weight!, _layer.Bias!);
        _savedThreads = Kernels.Parallelism.MaxThreads;
        Kernels.Parallelism.MaxThreads = Threads == 0 ? Environment.ProcessorCount : Threads;
    }

    [GlobalCleanup]
    public void Cleanup() => Kernels.Parallelism.MaxThreads = _savedThreads;

    [Benchmark(Baseline = true)]
    public void Composite()
    {
        using var scope = TensorScope.Begin();
        var (axes, channelShape) = Axes();
        var mean = _x.Mean(axes, keepDim: true);
        var centered = _x - mean;
        var variance = (centered * centered).Mean(axes, keepDim: true);
        var y = centered / (variance + 1e-5).Sqrt() * _weight.Reshape(channelShape) + _bias.Reshape(channelShape);
        y.Backward(_dy);
        ClearGradients();
    }

    [Benchmark]
    public void Fused()
    {
        using var scope = TensorScope.Begin();
        _layer.Forward(_x).Backward(_dy);
        ClearGradients();
    }

    private (int[] Axes, int[] ChannelShape) Axes()
    {
        int rank = _x.Rank;
        var channelShape = Enumerable.Repeat(1, rank).ToArray();
        channelShape[1] = _x.Shape[1];
        return (Enumerable.Range(0, rank).Where(i => i != 1).ToArray(), channelShape);
    }

    private void ClearGradients()
    {
        _x.ZeroGrad();
        _weight.ZeroGrad();
        _bias.ZeroGrad();
    }
}
