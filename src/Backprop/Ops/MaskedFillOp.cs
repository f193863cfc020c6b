using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// masked_fill(x, mask, value): the value where the mask (broadcast to x's shape, any dtype) is non-zero, x elsewhere.
/// The gradient passes where x was kept and is 0 where it was filled — selected, so even an infinite upstream
/// gradient gives 0 there.
/// </summary>
internal sealed class MaskedFillOp : Node
{
    private Tensor? _mask;
    public override string Name => "masked_fill";

    public static Tensor Apply(Tensor x, Tensor mask, double value)
    {
        Elementwise.RequireFloat("masked_fill", x);
        var shape = Shapes.Broadcast("masked_fill", mask.ShapeArray, x.ShapeArray);
        if (!Shapes.Equal(shape, x.ShapeArray))
            throw new ArgumentException(
                $"masked_fill: mask {Shapes.Format(mask.ShapeArray)} cannot be broadcast to the tensor's shape {Shapes.Format(x.ShapeArray)} (it would enlarge it to {Shapes.Format(shape)})");
        Tensor selected, y;
        using (Autograd.NoGrad())
        {
            // 0/1 in the mask's own dtype first, so a tiny float64 value cannot round to a float32 zero.
            var nonZero = mask.DType == DType.Int32 ? mask : Elementwise.Unary("masked_fill", mask.ContiguousData(), new NonZeroFunction());
            selected = nonZero.CastData(x.DType).ExpandData(x.ShapeArray).ContiguousData();
            y = WhereOp.Apply(selected, Tensor.Full([], value, x.DType), x);
        }
        return Autograd.ShouldRecord(x) ? Record(y, new MaskedFillOp { _mask = selected }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Tensor.Where(Saved(_mask), Tensor.Zeros([], g.DType), g);

    protected override void ReleaseSaved() => _mask = null;
}
