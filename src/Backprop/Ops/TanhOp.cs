using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>tanh x; local gradient 1 − tanh²x, from the saved output.</summary>
internal sealed class TanhOp : Node
{
    private Tensor? _y;
    public override string Name => "tanh";

    public static Tensor Apply(Tensor x)
    {
        var y = Elementwise.Unary("tanh", x, new TanhFunction());
        return Autograd.ShouldRecord(x) ? Record(y, new TanhOp { _y = y }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Elementwise.Gradient(g, Saved(_y), new TanhFunction());

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        var t = Input(0).Tanh();
        dx[0] = g * (1.0 - t * t);
    }

    protected override void ReleaseSaved() => _y = null;
}
