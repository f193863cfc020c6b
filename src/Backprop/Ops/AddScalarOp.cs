using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>x + s (and s + x) for a constant s; the gradient passes unchanged.</summary>
internal sealed class AddScalarOp : Node
{
    public override string Name => "add";

    public static Tensor Apply(Tensor x, double s)
    {
        var y = Elementwise.WithScalar("add", x, s, new AddFunction());
        return Autograd.ShouldRecord(x) ? Record(y, new AddScalarOp(), x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = g;

    // The rule above is already written with recorded operators (on the gradient and constants only).
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => Backward(g, dx);
}
