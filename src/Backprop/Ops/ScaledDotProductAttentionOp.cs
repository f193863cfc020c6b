using System.Numerics;
using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// Scaled dot-product attention as one operator: softmax(q·kᵀ·scale + causal)·v over the last two axes of
/// q [..., L, E], k [..., S, E], v [..., S, Ev], batched over the leading axes. Saves the probabilities P
/// [..., L, S] (masked entries 0) and reads q, k, v in place when their last axis is contiguous (a head view of a
/// projection needs no copy). The output and the gradients are laid out like q, k and v (same axis order in memory),
/// so that undoing the head split afterwards is a free reshape. Backward: <see cref="AttentionKernel.Backward{T}"/>.
/// </summary>
internal sealed class ScaledDotProductAttentionOp : Node
{
    private Tensor? _q, _k, _v, _p;
    private AttentionShape _shape;
    public override string Name => "scaled_dot_product_attention";

    /// <summary>The scale and whether the mask is causal (read by the ONNX exporter).</summary>
    internal double Scale => _shape.Scale;

    internal bool Causal => _shape.Causal;

    public static Tensor Apply(Tensor q, Tensor k, Tensor v, bool causal, double? scale)
    {
        const string op = "scaled_dot_product_attention";
        Elementwise.RequireFloat(op, q);
        Elementwise.RequireFloat(op, k);
        Elementwise.RequireFloat(op, v);
        if (q.Rank < 2 || k.Rank != q.Rank || v.Rank != q.Rank)
            throw new ArgumentException(
                $"{op}: expected q [..., L, E], k [..., S, E] and v [..., S, Ev] of one rank ≥ 2, got {Shapes.Format(q.ShapeArray)}, {Shapes.Format(k.ShapeArray)} and {Shapes.Format(v.ShapeArray)}");
        if (q.DType != k.DType || q.DType != v.DType)
            throw new ArgumentException($"{op}: q, k and v must share one dtype, got {q.DType.Name()}, {k.DType.Name()} and {v.DType.Name()}");
        int lead = q.Rank - 2;
        for (int a = 0; a < lead; a++)
            if (k.ShapeArray[a] != q.ShapeArray[a] || v.ShapeArray[a] != q.ShapeArray[a])
                throw new ArgumentException(
                    $"{op}: the batch axes of q {Shapes.Format(q.ShapeArray)}, k {Shapes.Format(k.ShapeArray)} and v {Shapes.Format(v.ShapeArray)} differ at axis {a}; expected equal sizes (expand them first to broadcast)");
        int l = q.ShapeArray[^2], e = q.ShapeArray[^1], s = k.ShapeArray[^2], ev = v.ShapeArray[^1];
        if (k.ShapeArray[^1] != e)
            throw new ArgumentException($"{op}: q {Shapes.Format(q.ShapeArray)} and k {Shapes.Format(k.ShapeArray)} must have the same last axis (the embedding E)");
        if (v.ShapeArray[^2] != s)
            throw new ArgumentException($"{op}: k {Shapes.Format(k.ShapeArray)} and v {Shapes.Format(v.ShapeArray)} must have the same sequence axis (S, second to last)");
        double sc = scale ?? 1.0 / Math.Sqrt(e);
        if (!double.IsFinite(sc)) throw new ArgumentOutOfRangeException(nameof(scale), sc, $"{op}: the scale must be finite");

        Tensor[] inputs = [q, k, v];
        q = RowsContiguous(q);
        k = RowsContiguous(k);
        v = RowsContiguous(v);
        int slices = 1;
        for (int a = 0; a < lead; a++) slices *= q.ShapeArray[a];
        var shape = new AttentionShape(slices, l, s, e, ev, sc, causal);
        var outShape = (int[])q.ShapeArray.Clone();
        outShape[^1] = ev;
        var y = EmptyLike(outShape, q.StridesArray, q.DType);
        var p = Storage.Empty([.. q.ShapeArray[..lead], l, s], q.DType);
        var forward = new ForwardAction { Q = q, K = k, V = v, O = y, P = p, Shape = shape };
        if (slices > 0 && l > 0) DTypeDispatch.Run(q.DType, ref forward);
        if (!Autograd.ShouldRecord(inputs)) return y;
        return Record(y, new ScaledDotProductAttentionOp { _q = q, _k = k, _v = v, _p = p, _shape = shape }, inputs);
    }

    /// <summary>The tensor itself when its last axis is contiguous and no stride is negative; else a contiguous copy.</summary>
    private static Tensor RowsContiguous(Tensor t)
    {
        if (t.IsContiguous) return t;
        if (t.StridesArray[^1] != 1 && t.ShapeArray[^1] > 1) return t.ContiguousData();
        foreach (int stride in t.StridesArray)
            if (stride < 0) return t.ContiguousData();
        return t;
    }

    /// <summary>
    /// A new dense tensor of <paramref name="shape"/> whose axes lie in memory in the order of <paramref name="like"/>'s
    /// strides (largest first; the last axis always innermost), as PyTorch's empty_like preserves a memory format.
    /// </summary>
    private static Tensor EmptyLike(int[] shape, int[] like, DType dtype)
    {
        int rank = shape.Length;
        var order = new int[rank];
        for (int a = 0; a < rank; a++) order[a] = a;
        // A stable insertion sort of the axes before the last by decreasing stride (rank is small).
        for (int a = 1; a < rank - 1; a++)
            for (int b = a; b > 0 && like[order[b]] > like[order[b - 1]]; b--)
                (order[b], order[b - 1]) = (order[b - 1], order[b]);
        bool identity = true;
        for (int a = 0; a < rank; a++) identity &= order[a] == a;
        if (identity) return Storage.Empty(shape, dtype);
        var dense = new int[rank];
        for (int a = 0; a < rank; a++) dense[a] = shape[order[a]];
        var inverse = new int[rank];
        for (int a = 0; a < rank; a++) inverse[order[a]] = a;
        return Storage.Empty(dense, dtype).PermuteData(inverse);
    }

    private static SliceLayout Layout(Tensor t)
    {
        int lead = t.Rank - 2;
        return new SliceLayout(t.ShapeArray[..lead], t.StridesArray[..lead], t.StridesArray[lead]);
    }

    // The storage from the tensor's first element on: the layout's offsets are relative to it.
    private static Span<T> From<T>(Tensor t) => t.Array<T>().AsSpan(t.Offset);

    private struct ForwardAction : IDTypeAction
    {
        public Tensor Q, K, V, O, P;
        public AttentionShape Shape;

        public readonly void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            AttentionKernel.Forward<T>(From<T>(Q), Layout(Q), From<T>(K), Layout(K), From<T>(V), Layout(V),
                From<T>(O), Layout(O), P.Span<T>(), Shape);
    }

    internal override void Backward(Tensor gradOutput, Span<Tensor?> dx)
    {
        var q = Saved(_q);
        var k = Saved(_k);
        var v = Saved(_v);
        var p = Saved(_p);
        var inputs = InputArray;
        var g = RowsContiguous(gradOutput.CastData(q.DType));
        var backward = new BackwardAction
        {
            Q = q, K = k, V = v, P = p, G = g, Shape = _shape,
            Dq = inputs[0].RequiresGrad ? EmptyLike(q.ShapeArray, q.StridesArray, q.DType) : null,
            Dk = inputs[1].RequiresGrad ? EmptyLike(k.ShapeArray, k.StridesArray, k.DType) : null,
            Dv = inputs[2].RequiresGrad ? EmptyLike(v.ShapeArray, v.StridesArray, v.DType) : null,
        };
        if (_shape.QueryLength == 0 || _shape.KeyLength == 0)
        {
            // No queries or no keys: every sum that feeds a gradient is empty.
            backward.Dq?.FillData(0);
            backward.Dk?.FillData(0);
            backward.Dv?.FillData(0);
        }
        else if (_shape.Slices > 0) DTypeDispatch.Run(q.DType, ref backward);
        dx[0] = backward.Dq;
        dx[1] = backward.Dk;
        dx[2] = backward.Dv;
    }

    // The fused kernel is not differentiable again, so the rule recomputes the probabilities from the inputs with
    // recorded operators, P = softmax(q·kᵀ·scale, causal entries −∞), and writes the attention backward with them:
    // dv = Pᵀ·g, dS = P ⊙ (g·vᵀ − Σ (g·vᵀ) ⊙ P), dq = dS·k·scale, dk = dSᵀ·q·scale.
    internal override void RecordedBackward(Tensor gradOutput, Span<Tensor?> dx)
    {
        var q = Input(0);
        var k = Input(1);
        var v = Input(2);
        if (_shape.QueryLength == 0 || _shape.KeyLength == 0)
        {
            // No queries or no keys: every sum that feeds a gradient is empty.
            for (int i = 0; i < 3; i++) dx[i] = Wants(i) ? Storage.Zeros(InputArray[i].ShapeArray, q.DType) : null;
            return;
        }
        var g = gradOutput.DType == q.DType ? gradOutput : gradOutput.To(q.DType);
        var (dq, dk, dv) = RecordedGradients(q, k, v, g, _shape, Wants(0), Wants(1), Wants(2));
        dx[0] = dq;
        dx[1] = dk;
        dx[2] = dv;
    }

    /// <summary>
    /// The attention backward with recorded operators (so it is differentiable again), for q, k, v and the upstream
    /// gradient g as tensors of the attention's shapes; a gradient not wanted is null.
    /// </summary>
    internal static (Tensor? Dq, Tensor? Dk, Tensor? Dv) RecordedGradients(Tensor q, Tensor k, Tensor v, Tensor g, AttentionShape shape,
        bool wantQ, bool wantK, bool wantV)
    {
        Tensor? dq = null, dk = null, dv = null;
        var scores = Tensor.MatMul(q, k.Transpose(-2, -1)) * shape.Scale;
        if (shape.Causal) scores = scores.MaskedFill(CausalMask(shape.QueryLength, shape.KeyLength), double.NegativeInfinity);
        var p = scores.Softmax();
        if (wantV) dv = Tensor.MatMul(p.Transpose(-2, -1), g);
        if (!wantQ && !wantK) return (dq, dk, dv);
        var dp = Tensor.MatMul(g, v.Transpose(-2, -1));
        var ds = p * (dp - (dp * p).Sum(-1, keepDim: true));
        if (wantQ) dq = Tensor.MatMul(ds, k) * shape.Scale;
        if (wantK) dk = Tensor.MatMul(ds.Transpose(-2, -1), q) * shape.Scale;
        return (dq, dk, dv);
    }

    /// <summary>[L, S] int32: 1 where key j is after query i (excluded by the causal mask), else 0.</summary>
    internal static Tensor CausalMask(int l, int s)
    {
        var masked = new int[l * s];
        for (int i = 0; i < l; i++)
            for (int j = i + 1; j < s; j++) masked[i * s + j] = 1;
        return Tensor.FromArray(masked, l, s);
    }

    private struct BackwardAction : IDTypeAction
    {
        public Tensor Q, K, V, P, G;
        public Tensor? Dq, Dk, Dv;
        public AttentionShape Shape;

        public readonly void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            var none = new SliceLayout([], [], 0);
            AttentionKernel.Backward<T>(From<T>(Q), Layout(Q), From<T>(K), Layout(K), From<T>(V), Layout(V), P.Span<T>(), From<T>(G), Layout(G),
                Dq is null ? default : From<T>(Dq), Dq is null ? none : Layout(Dq),
                Dk is null ? default : From<T>(Dk), Dk is null ? none : Layout(Dk),
                Dv is null ? default : From<T>(Dv), Dv is null ? none : Layout(Dv), Shape);
        }
    }

    protected override void ReleaseSaved() => _q = _k = _v = _p = null;
}
