using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>The error function; local gradient (2/√π)e^(−x²), from the saved input.</summary>
internal sealed class ErfOp : Node
{
    private Tensor? _x;
    public override string Name => "erf";

    public static Tensor Apply(Tensor x)
    {
        var y = Elementwise.Unary("erf", x, new ErfFunction());
        return Autograd.ShouldRecord(x) ? Record(y, new ErfOp { _x = x }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Elementwise.Gradient(g, Saved(_x), new ErfFunction());

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        var x = Input(0);
        dx[0] = g * ((x * x).Neg().Exp() * 1.1283791670955126); // 2/√π
    }

    protected override void ReleaseSaved() => _x = null;
}
