using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>√x; local gradient 1/(2√x), from the saved output.</summary>
internal sealed class SqrtOp : Node
{
    private Tensor? _y;
    public override string Name => "sqrt";

    public static Tensor Apply(Tensor x)
    {
        var y = Elementwise.Unary("sqrt", x, new SqrtFunction());
        return Autograd.ShouldRecord(x) ? Record(y, new SqrtOp { _y = y }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Elementwise.Gradient(g, Saved(_y), new SqrtFunction());

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => dx[0] = g / (Input(0).Sqrt() * 2);
    protected override void ReleaseSaved() => _y = null;
}
