using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>max(x, 0); local gradient 1 where the output is positive, else 0 (0 at x = 0, as PyTorch).</summary>
internal sealed class ReluOp : Node
{
    private Tensor? _y;
    public override string Name => "relu";

    public static Tensor Apply(Tensor x)
    {
        var y = Elementwise.Unary("relu", x, new ReluFunction());
        return Autograd.ShouldRecord(x) ? Record(y, new ReluOp { _y = y }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Elementwise.Gradient(g, Saved(_y), new ReluFunction());

    // A piecewise-constant local derivative: the gradient is g times constant slopes (zero second derivative).
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => LocallyLinearBackward(g, dx);

    protected override void ReleaseSaved() => _y = null;
}
