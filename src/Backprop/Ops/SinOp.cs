using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>sin x; local gradient cos x, from the saved input.</summary>
internal sealed class SinOp : Node
{
    private Tensor? _x;
    public override string Name => "sin";

    public static Tensor Apply(Tensor x)
    {
        var y = Elementwise.Unary("sin", x, new SinFunction());
        return Autograd.ShouldRecord(x) ? Record(y, new SinOp { _x = x }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Elementwise.Gradient(g, Saved(_x), new SinFunction());

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => dx[0] = g * Input(0).Cos();

    protected override void ReleaseSaved() => _x = null;
}
