using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>σ(x) = 1/(1+e⁻ˣ); local gradient σ(x)(1 − σ(x)), from the saved output.</summary>
internal sealed class SigmoidOp : Node
{
    private Tensor? _y;
    public override string Name => "sigmoid";

    public static Tensor Apply(Tensor x)
    {
        var y = Elementwise.Unary("sigmoid", x, new SigmoidFunction());
        return Autograd.ShouldRecord(x) ? Record(y, new SigmoidOp { _y = y }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Elementwise.Gradient(g, Saved(_y), new SigmoidFunction());

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        var s = Input(0).Sigmoid();
        dx[0] = g * (s * (1.0 - s));
    }

    protected override void ReleaseSaved() => _y = null;
}
