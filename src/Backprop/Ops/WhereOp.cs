using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// where(condition, a, b): a where the condition is non-zero, else b, all three broadcast together.
/// The gradient goes to a through the mask and to b through its complement; the condition gets none.
/// </summary>
internal sealed class WhereOp : Node
{
    private Tensor? _mask;
    private Tensor? _condition;
    public override string Name => "where";

    /// <summary>
    /// The condition as passed (not an input of the node: it has no gradient); the ONNX exporter follows it back to
    /// where it came from.
    /// </summary>
    internal Tensor? Condition => _condition;

    public static Tensor Apply(Tensor condition, Tensor a, Tensor b)
    {
        Elementwise.RequireFloat("where", a);
        Elementwise.RequireFloat("where", b);
        var dtype = DTypeInfo.Promote(a.DType, b.DType);
        var shape = Shapes.Broadcast("where", Shapes.Broadcast("where", condition.ShapeArray, a.ShapeArray), b.ShapeArray);
        var mask = condition.CastData(dtype).ExpandData(shape).ContiguousData();
        mask = Elementwise.Unary("where", mask, new NonZeroFunction());
        var ae = a.CastData(dtype).ExpandData(shape).ContiguousData();
        var be = b.CastData(dtype).ExpandData(shape).ContiguousData();
        var select = new SelectAction { Mask = mask, A = ae, B = be, Y = Storage.Empty(shape, dtype) };
        DTypeDispatch.Run(dtype, ref select);
        var y = select.Y;
        if (!Autograd.ShouldRecord(a, b)) return y;
        return Record(y, new WhereOp { _mask = mask, _condition = condition }, a, b);
    }

    // A true selection, not a·m + b·(1−m): an infinite value on the unselected side must not turn into NaN.
    private struct SelectAction : IDTypeAction
    {
        public Tensor Mask, A, B, Y;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            ReadOnlySpan<T> mask = Mask.Span<T>(), a = A.Span<T>(), b = B.Span<T>();
            var y = Y.Span<T>();
            for (int i = 0; i < y.Length; i++) y[i] = mask[i] != T.Zero ? a[i] : b[i];
        }
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        // Selected, not multiplied by the 0/1 mask: the unselected side gets 0 even from an infinite g (as PyTorch).
        var mask = Saved(_mask);
        var zero = Tensor.Zeros([], g.DType);
        dx[0] = Tensor.Where(mask, g, zero);
        dx[1] = Tensor.Where(mask, zero, g);
    }

    // The rule above is already written with recorded operators (on the gradient and constants only).
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => Backward(g, dx);

    protected override void ReleaseSaved() => _mask = _condition = null;
}
