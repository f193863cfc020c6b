using BenchmarkDotNet.Attributes;
using Backprop.Kernels;

namespace Backprop.Bench;

/// <summary>
/// The transformer kernels at the GPT benchmark's sizes (B = 12, T = 64, C = 128, 4 heads of 32, V = 83, float32):
/// layer norm over 768 rows of 128, causal attention over 48 slices read in place from the heads of a [12, 64, 3·128]
/// projection (the layout the model produces), and cross-entropy over [12·64, 83]. Forward and backward separately.
/// </summary>
[MemoryDiagnoser]
public class TransformerBenchmarks
{
    private const int B = 12, T = 64, C = 128, H = 4, Hs = 32, V = 83, Rows = B * T;

    private float[] _x = null!, _w = null!, _y = null!, _mean = null!, _rstd = null!, _dy = null!, _dx = null!, _dw = null!;
    private float[] _qkv = null!, _o = null!, _p = null!, _dO = null!, _dqkv = null!;
    private float[] _logits = null!, _probs = null!, _gLogits = null!;
    private double[] _rowLoss = null!;
    private int[] _labels = null!;
    private SliceLayout _q, _k, _v, _out;
    private AttentionShape _shape;

    private static float[] Random(int n, ulong seed)
    {
        var values = new float[n];
        new Generator(seed).FillGaussian(values, 0, 1);
        return values;
    }

    [GlobalSetup]
    public void Setup()
    {
        _x = Random(Rows * C, 1);
        _w = Random(C, 2);
        _y = new float[Rows * C];
        _mean = new float[Rows];
        _rstd = new float[Rows];
        _dy = Random(Rows * C, 3);
        _dx = new float[Rows * C];
        _dw = new float[C];
        LayerNormKernel.Forward<float>(_x, _w, default, _y, _mean, _rstd, Rows, C, 1e-5);

        // Heads of [B, T, 3C]: slice (b, h) of q starts at b·T·3C + h·hs, rows 3C apart; k and v are C and 2C further on.
        _qkv = Random(Rows * 3 * C, 4);
        _q = new SliceLayout([B, H], [T * 3 * C, Hs], 3 * C);
        _k = _q;
        _v = _q;
        _out = new SliceLayout([B, H], [T * C, Hs], C); // [B, T, H, hs] in memory, as the operator lays it out
        _shape = new AttentionShape(B * H, T, T, Hs, Hs, 1 / Math.Sqrt(Hs), Causal: true);
        _o = new float[Rows * C];
        _p = new float[B * H * T * T];
        _dO = Random(Rows * C, 5);
        _dqkv = new float[Rows * 3 * C];
        AttentionForward();

        _logits = Random(Rows * V, 6);
        _probs = new float[Rows * V];
        _gLogits = new float[Rows * V];
        _rowLoss = new double[Rows];
        _labels = Enumerable.Range(0, Rows).Select(i => i * 31 % V).ToArray();
        CrossEntropyForward();
    }

    [Benchmark]
    public void LayerNormForward() => LayerNormKernel.Forward<float>(_x, _w, default, _y, _mean, _rstd, Rows, C, 1e-5);

    [Benchmark]
    public void LayerNormBackward() => LayerNormKernel.Backward<float>(_x, _w, _mean, _rstd, _dy, _dx, _dw, default, Rows, C);

    [Benchmark]
    public void AttentionForward() =>
        AttentionKernel.Forward<float>(_qkv, _q, _qkv.AsSpan(C), _k, _qkv.AsSpan(2 * C), _v, _o, _out, _p, _shape);

    [Benchmark]
    public void AttentionBackward() =>
        AttentionKernel.Backward<float>(_qkv, _q, _qkv.AsSpan(C), _k, _qkv.AsSpan(2 * C), _v, _p, _dO, _out,
            _dqkv, _q, _dqkv.AsSpan(C), _k, _dqkv.AsSpan(2 * C), _v, _shape);

    [Benchmark]
    public void CrossEntropyForward() =>
        SoftmaxCrossEntropyKernel.LossRows<float>(_logits, _labels, default, _probs, _rowLoss, Rows, V, 0, -100);

    [Benchmark]
    public void CrossEntropyBackward() =>
        SoftmaxCrossEntropyKernel.LossRowsBackward<float>(_probs, _labels, default, default, 1.0 / Rows, _gLogits, Rows, V, 0, -100);
}
