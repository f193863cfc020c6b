using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>eˣ; local gradient eˣ, which is the saved output.</summary>
internal sealed class ExpOp : Node
{
    private Tensor? _y;
    public override string Name => "exp";

    public static Tensor Apply(Tensor x)
    {
        var y = Elementwise.Unary("exp", x, new ExpFunction());
        return Autograd.ShouldRecord(x) ? Record(y, new ExpOp { _y = y }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Elementwise.Gradient(g, Saved(_y), new ExpFunction());

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => dx[0] = g * Input(0).Exp();
    protected override void ReleaseSaved() => _y = null;
}
