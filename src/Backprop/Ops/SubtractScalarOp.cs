using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>x − s for a constant s; the gradient passes unchanged.</summary>
internal sealed class SubtractScalarOp : Node
{
    public override string Name => "sub";

    public static Tensor Apply(Tensor x, double s)
    {
        var y = Elementwise.WithScalar("sub", x, s, new SubtractFunction());
        return Autograd.ShouldRecord(x) ? Record(y, new SubtractScalarOp(), x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = g;

    // The rule above is already written with recorded operators (on the gradient and constants only).
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => Backward(g, dx);
}
