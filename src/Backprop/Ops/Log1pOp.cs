using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>ln(1 + x), accurate near 0; local gradient 1/(1 + x), from the saved input.</summary>
internal sealed class Log1pOp : Node
{
    private Tensor? _x;
    public override string Name => "log1p";

    public static Tensor Apply(Tensor x)
    {
        var y = Elementwise.Unary("log1p", x, new Log1pFunction());
        return Autograd.ShouldRecord(x) ? Record(y, new Log1pOp { _x = x }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Elementwise.Gradient(g, Saved(_x), new Log1pFunction());

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => dx[0] = g / (Input(0) + 1.0);

    protected override void ReleaseSaved() => _x = null;
}
