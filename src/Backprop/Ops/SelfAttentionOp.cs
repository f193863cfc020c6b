using System.Numerics;
using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// Multi-head self-attention on a packed projection: qkv [..., T, 3·C] holds q, k and v side by side (channels
/// 0..C, C..2C, 2C..3C), head h being channels h·hs..(h+1)·hs of each third, as a GPT's c_attn produces. The result
/// is [..., T, C] with the heads merged back (head h in channels h·hs..). The kernel reads the heads in place and
/// writes the gradient of the whole projection in one dense buffer: no head views, no copies, and no slices whose
/// gradients are zero tensors added up afterwards. Bit-identical to <see cref="ScaledDotProductAttentionOp"/> on the
/// head views of the same projection (the same kernel over the same layouts).
/// </summary>
internal sealed class SelfAttentionOp : Node
{
    private Tensor? _qkv, _p;
    private AttentionShape _shape;
    private int _heads;
    public override string Name => "self_attention";

    /// <summary>The number of heads, the scale and whether the mask is causal (read by the ONNX exporter).</summary>
    internal int Heads => _heads;

    internal double Scale => _shape.Scale;

    internal bool Causal => _shape.Causal;

    public static Tensor Apply(Tensor qkv, int heads, bool causal, double? scale)
    {
        const string op = "self_attention";
        Elementwise.RequireFloat(op, qkv);
        if (qkv.Rank < 2)
            throw new ArgumentException($"{op}: expected a packed projection [..., T, 3·C], got {Shapes.Format(qkv.ShapeArray)}");
        if (heads <= 0) throw new ArgumentOutOfRangeException(nameof(heads), heads, $"{op}: the number of heads must be positive");
        int width = qkv.ShapeArray[^1];
        if (width % (3 * heads) != 0)
            throw new ArgumentException(
                $"{op}: the last axis of {Shapes.Format(qkv.ShapeArray)} ({width}) is not 3·C with C a multiple of the {heads} heads");
        int t = qkv.ShapeArray[^2], c = width / 3, hs = c / heads;
        double sc = scale ?? 1.0 / Math.Sqrt(hs);
        if (!double.IsFinite(sc)) throw new ArgumentOutOfRangeException(nameof(scale), sc, $"{op}: the scale must be finite");

        var input = qkv;
        qkv = qkv.IsContiguous ? qkv : qkv.ContiguousData();
        int lead = qkv.Rank - 2, batch = 1;
        for (int a = 0; a < lead; a++) batch *= qkv.ShapeArray[a];
        var shape = new AttentionShape(batch * heads, t, t, hs, hs, sc, causal);
        var y = Storage.Empty([.. qkv.ShapeArray[..lead], t, c], qkv.DType);
        var p = Storage.Empty([batch * heads, t, t], qkv.DType);
        var forward = new ForwardAction { Qkv = qkv, O = y, P = p, Shape = shape, Batch = batch, Heads = heads };
        if (batch > 0 && t > 0 && hs > 0) DTypeDispatch.Run(qkv.DType, ref forward);
        else y.FillData(0);
        if (!Autograd.ShouldRecord(input)) return y;
        return Record(y, new SelfAttentionOp { _qkv = qkv, _p = p, _shape = shape, _heads = heads }, input);
    }

    // The heads of a dense [batch, T, width] buffer holding rows of `width` channels: slice (b, h) starts at
    // b·T·width + h·hs, its rows are `width` apart.
    private static SliceLayout HeadLayout(int batch, int heads, int t, int width, int hs) => new([batch, heads], [t * width, hs], width);

    private struct ForwardAction : IDTypeAction
    {
        public Tensor Qkv, O, P;
        public AttentionShape Shape;
        public int Batch, Heads;

        public readonly void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            int t = Shape.QueryLength, hs = Shape.HeadSize, c = Heads * hs;
            var input = SelfAttentionOp.HeadLayout(Batch, Heads, t, 3 * c, hs);
            var output = SelfAttentionOp.HeadLayout(Batch, Heads, t, c, hs);
            var qkv = Qkv.Array<T>().AsSpan(Qkv.Offset);
            AttentionKernel.Forward<T>(qkv, input, qkv[c..], input, qkv[(2 * c)..], input,
                O.Array<T>().AsSpan(O.Offset), output, P.Span<T>(), Shape);
        }
    }

    internal override void Backward(Tensor gradOutput, Span<Tensor?> dx)
    {
        var qkv = Saved(_qkv);
        var p = Saved(_p);
        var g = gradOutput.CastData(qkv.DType);
        if (!g.IsContiguous) g = g.ContiguousData();
        var dqkv = Storage.Empty(qkv.ShapeArray, qkv.DType);
        int batch = _shape.Slices / _heads;
        if (batch > 0 && _shape.QueryLength > 0 && _shape.HeadSize > 0)
        {
            var backward = new BackwardAction { Qkv = qkv, P = p, G = g, Dqkv = dqkv, Shape = _shape, Batch = batch, Heads = _heads };
            DTypeDispatch.Run(qkv.DType, ref backward);
        }
        else dqkv.FillData(0);
        dx[0] = dqkv;
    }

    private struct BackwardAction : IDTypeAction
    {
        public Tensor Qkv, P, G, Dqkv;
        public AttentionShape Shape;
        public int Batch, Heads;

        public readonly void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            int t = Shape.QueryLength, hs = Shape.HeadSize, c = Heads * hs;
            var packed = SelfAttentionOp.HeadLayout(Batch, Heads, t, 3 * c, hs);
            var merged = SelfAttentionOp.HeadLayout(Batch, Heads, t, c, hs);
            var qkv = Qkv.Array<T>().AsSpan(Qkv.Offset);
            // Every element of dqkv is written: each third is one of dq, dk, dv over all heads and rows.
            var d = Dqkv.Array<T>().AsSpan(Dqkv.Offset);
            AttentionKernel.Backward<T>(qkv, packed, qkv[c..], packed, qkv[(2 * c)..], packed, P.Span<T>(),
                G.Array<T>().AsSpan(G.Offset), merged, d, packed, d[c..], packed, d[(2 * c)..], packed, Shape);
        }
    }

    // Differentiable again: the head views of the input with recorded operators, the attention's recorded backward on
    // them, and the three gradients packed back as the input's channels.
    internal override void RecordedBackward(Tensor gradOutput, Span<Tensor?> dx)
    {
        var x = Input(0);
        int t = _shape.QueryLength, hs = _shape.HeadSize, batch = _shape.Slices / _heads;
        if (batch == 0 || t == 0 || hs == 0)
        {
            dx[0] = Storage.Zeros(x.ShapeArray, x.DType);
            return;
        }
        var g = gradOutput.DType == x.DType ? gradOutput : gradOutput.To(x.DType);
        var split = x.Reshape(batch, t, 3, _heads, hs);
        Tensor HeadsOf(int part) => split.Narrow(2, part, 1).Reshape(batch, t, _heads, hs).Permute(0, 2, 1, 3);
        var gh = g.Reshape(batch, t, _heads, hs).Permute(0, 2, 1, 3);
        var shape = _shape with { Slices = batch * _heads };
        var (dq, dk, dv) = ScaledDotProductAttentionOp.RecordedGradients(HeadsOf(0), HeadsOf(1), HeadsOf(2), gh, shape, true, true, true);
        Tensor Back(Tensor d) => d.Permute(0, 2, 1, 3).Reshape(batch, t, 1, _heads, hs);
        dx[0] = Tensor.Concat([Back(dq!), Back(dk!), Back(dv!)], 2).Reshape(x.ShapeArray);
    }

    protected override void ReleaseSaved() => _qkv = _p = null;
}
