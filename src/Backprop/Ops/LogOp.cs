using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>ln x; local gradient 1/x.</summary>
internal sealed class LogOp : Node
{
    private Tensor? _x;
    public override string Name => "ln";

    public static Tensor Apply(Tensor x)
    {
        var y = Elementwise.Unary("ln", x, new LogFunction());
        return Autograd.ShouldRecord(x) ? Record(y, new LogOp { _x = x }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Elementwise.Gradient(g, Saved(_x), new LogFunction());

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => dx[0] = g / Input(0);
    protected override void ReleaseSaved() => _x = null;
}
