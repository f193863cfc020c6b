using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// where(condition, a, b): a where the condition is non-zero, else b, all three broadcast together.
/// The gradient goes to a through the mask and to b through its complement; the condition gets none.
/// </summary>
internal sealed class WhereOp : Node
{
    private Tensor? _mask;
    public override string Name => "where";

    public static Tensor Apply(Tensor condition, Tensor a, Tensor b)
    {
        Elementwise.RequireFloat("where", a);
        Elementwise.RequireFloat("where", b);
        var dtype = DTypeInfo.Promote(a.DType, b.DType);
        var shape = Shapes.Broadcast("where", Shapes.Broadcast("where", condition.ShapeArray, a.ShapeArray), b.ShapeArray);
        var mask = condition.CastData(dtype).ExpandData(shape).ContiguousData();
        mask = Elementwise.Mask(mask, MaskKernel.NonZero, MaskKernel.NonZero);
        var ae = a.CastData(dtype).ExpandData(shape).ContiguousData();
        var be = b.CastData(dtype).ExpandData(shape).ContiguousData();
        var y = Storage.Empty(shape, dtype);
        if (dtype == DType.Float32) Select(mask.Span<float>(), ae.Span<float>(), be.Span<float>(), y.Span<float>());
        else Select(mask.Span<double>(), ae.Span<double>(), be.Span<double>(), y.Span<double>());
        if (!Autograd.ShouldRecord(a, b)) return y;
        return Record(y, new WhereOp { _mask = mask }, a, b);
    }

    // A true selection, not a·m + b·(1−m): an infinite value on the unselected side must not turn into NaN.
    private static void Select<T>(ReadOnlySpan<T> mask, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int i = 0; i < y.Length; i++) y[i] = mask[i] != T.Zero ? a[i] : b[i];
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        // Selected, not multiplied by the 0/1 mask: the unselected side gets 0 even from an infinite g (as PyTorch).
        var mask = Saved(_mask);
        var zero = Tensor.Zeros([], g.DType);
        dx[0] = Tensor.Where(mask, g, zero);
        dx[1] = Tensor.Where(mask, zero, g);
    }

    protected override void ReleaseSaved() => _mask = null;
}
