namespace Backprop.Ops;

/// <summary>Conversion to another dtype; the gradient is converted back (by the engine, to the input's dtype).</summary>
internal sealed class CastOp : Node
{
    public override string Name => "to";

    public static Tensor Apply(Tensor x, DType dtype)
    {
        if (x.DType == dtype) return x;
        var y = x.CastData(dtype);
        return Autograd.ShouldRecord(x) && dtype.IsFloatingPoint() ? Record(y, new CastOp(), x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = g;

    // The rule above is already written with recorded operators (on the gradient and constants only).
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => Backward(g, dx);
}
