using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>|x|; local gradient sign(x), taken as 0 at 0 as PyTorch does.</summary>
internal sealed class AbsOp : Node
{
    private Tensor? _x;
    public override string Name => "abs";

    public static Tensor Apply(Tensor x)
    {
        var y = Elementwise.Unary("abs", x, new AbsFunction());
        return Autograd.ShouldRecord(x) ? Record(y, new AbsOp { _x = x }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) =>
        dx[0] = Elementwise.Gradient(g, Saved(_x), new AbsFunction());

    // A piecewise-constant local derivative: the gradient is g times constant slopes (zero second derivative).
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => LocallyLinearBackward(g, dx);

    protected override void ReleaseSaved() => _x = null;
}
