using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// masked_fill(x, mask, value): the value where the mask (any dtype) is non-zero, x elsewhere, the two broadcast
/// together as PyTorch's out-of-place masked_fill does (so a mask with more axes enlarges the result). The gradient
/// passes where x was kept and is 0 where it was filled — selected, so even an infinite upstream gradient gives 0
/// there; the engine sums it back over the axes x was broadcast along.
/// </summary>
internal sealed class MaskedFillOp : Node
{
    private Tensor? _mask;
    private Tensor? _maskSource;
    private double _value;
    public override string Name => "masked_fill";

    /// <summary>The mask as passed (nonzero where the value goes) and the value (read by the ONNX exporter).</summary>
    internal Tensor? MaskSource => _maskSource;

    internal double Value => _value;

    public static Tensor Apply(Tensor x, Tensor mask, double value)
    {
        Elementwise.RequireFloat("masked_fill", x);
        var shape = Shapes.Broadcast("masked_fill (tensor, mask)", x.ShapeArray, mask.ShapeArray);
        Tensor selected, y;
        using (Autograd.NoGrad())
        {
            // 0/1 in the mask's own dtype first, so a tiny float64 value cannot round to a float32 zero.
            var nonZero = mask.DType == DType.Int32 ? mask : Elementwise.Unary("masked_fill", mask.ContiguousData(), new NonZeroFunction());
            selected = nonZero.CastData(x.DType).ExpandData(shape).ContiguousData();
            y = WhereOp.Apply(selected, Tensor.Full([], value, x.DType), x);
        }
        return Autograd.ShouldRecord(x) ? Record(y, new MaskedFillOp { _mask = selected, _maskSource = mask, _value = value }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Tensor.Where(Saved(_mask), Tensor.Zeros([], g.DType), g);

    // The rule above is already written with recorded operators (on the gradient and constants only).
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => Backward(g, dx);

    protected override void ReleaseSaved() => _mask = _maskSource = null;
}
