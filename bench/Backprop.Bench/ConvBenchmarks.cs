using Backprop.Kernels;
using BenchmarkDotNet.Attributes;

namespace Backprop.Bench;

/// <summary>
/// The convolution, pooling and loss kernels at the CNN benchmark's shapes (batch 64, float): conv1 1→32 3×3 pad 1
/// on 28×28, conv2 32→64 3×3 pad 1 on 14×14, 2×2 max pooling after each, softmax cross-entropy over 64×10.
/// One training step runs every benchmark here once except Conv1BackwardInput (the first layer's input needs no
/// gradient), so their sum is the per-step cost of these layers.
/// </summary>
[MemoryDiagnoser]
public class ConvBenchmarks
{
    private const int Batch = 64;
    private readonly Conv2dGeometry _conv1 = new(Batch, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1);
    private readonly Conv2dGeometry _conv2 = new(Batch, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1);
    private readonly Pool2dGeometry _pool1 = new("max_pool2d", Batch, 32, 28, 28, 2, 2, 2, 2);
    private readonly Pool2dGeometry _pool2 = new("max_pool2d", Batch, 64, 14, 14, 2, 2, 2, 2);

    private float[] _x1 = [], _w1 = [], _b1 = [], _y1 = [], _gx1 = [], _gw1 = [], _gb1 = [];
    private float[] _x2 = [], _w2 = [], _b2 = [], _y2 = [], _gx2 = [], _gw2 = [], _gb2 = [];
    private float[] _p1 = [], _gp1 = [], _p2 = [], _gp2 = [];
    private int[] _arg1 = [], _arg2 = [];
    private float[] _logits = [], _probs = [], _gLogits = [];
    private int[] _labels = [];
    private int _savedThreads;

    /// <summary>0 means all cores (<see cref="Environment.ProcessorCount"/>).</summary>
    [Params(1, 0)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        float[] Fill(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1); return a; }
        (_x1, _w1, _b1, _y1) = (Fill(_conv1.InputLength), Fill(_conv1.WeightLength), Fill(32), Fill(_conv1.OutputLength));
        (_gx1, _gw1, _gb1) = (new float[_conv1.InputLength], new float[_conv1.WeightLength], new float[32]);
        (_x2, _w2, _b2, _y2) = (Fill(_conv2.InputLength), Fill(_conv2.WeightLength), Fill(64), Fill(_conv2.OutputLength));
        (_gx2, _gw2, _gb2) = (new float[_conv2.InputLength], new float[_conv2.WeightLength], new float[64]);
        (_p1, _arg1, _gp1) = (Fill(_pool1.OutputLength), new int[_pool1.OutputLength], new float[_pool1.InputLength]);
        (_p2, _arg2, _gp2) = (Fill(_pool2.OutputLength), new int[_pool2.OutputLength], new float[_pool2.InputLength]);
        (_logits, _probs, _gLogits) = (Fill(Batch * 10), new float[Batch * 10], new float[Batch * 10]);
        _labels = Enumerable.Range(0, Batch).Select(i => i % 10).ToArray();
        _savedThreads = Parallelism.MaxThreads;
        Parallelism.MaxThreads = Threads == 0 ? Environment.ProcessorCount : Threads;
        // Arg-max buffers must be valid before the backward benchmarks run on their own.
        MaxPool2dKernel.Forward<float>(_y1, _p1, _arg1, _pool1);
        MaxPool2dKernel.Forward<float>(_y2, _p2, _arg2, _pool2);
    }

    [GlobalCleanup]
    public void Cleanup() => Parallelism.MaxThreads = _savedThreads;

    [Benchmark]
    public void Conv1Forward() => Conv2dKernel.Forward<float>(_x1, _w1, _b1, _y1, _conv1);

    [Benchmark]
    public void Conv1BackwardWeight() => Conv2dKernel.BackwardWeight<float>(_y1, _x1, _gw1, _gb1, _conv1);

    [Benchmark]
    public void Conv1BackwardInput() => Conv2dKernel.BackwardInput<float>(_y1, _w1, _gx1, _conv1);

    [Benchmark]
    public void Conv2Forward() => Conv2dKernel.Forward<float>(_x2, _w2, _b2, _y2, _conv2);

    [Benchmark]
    public void Conv2BackwardWeight() => Conv2dKernel.BackwardWeight<float>(_y2, _x2, _gw2, _gb2, _conv2);

    [Benchmark]
    public void Conv2BackwardInput() => Conv2dKernel.BackwardInput<float>(_y2, _w2, _gx2, _conv2);

    [Benchmark]
    public void MaxPool1Forward() => MaxPool2dKernel.Forward<float>(_y1, _p1, _arg1, _pool1);

    [Benchmark]
    public void MaxPool1Backward() => MaxPool2dKernel.Backward<float>(_p1, _arg1, _gp1, _pool1);

    [Benchmark]
    public void MaxPool2Forward() => MaxPool2dKernel.Forward<float>(_y2, _p2, _arg2, _pool2);

    [Benchmark]
    public void MaxPool2Backward() => MaxPool2dKernel.Backward<float>(_p2, _arg2, _gp2, _pool2);

    [Benchmark]
    public double SoftmaxCrossEntropy()
    {
        double loss = SoftmaxCrossEntropyKernel.Forward<float>(_logits, _labels, _probs, Batch, 10);
        SoftmaxCrossEntropyKernel.Backward<float>(_probs, _labels, _gLogits, Batch, 10, 1);
        return loss;
    }
}
