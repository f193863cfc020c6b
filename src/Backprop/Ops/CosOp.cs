using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>cos x; local gradient −sin x, from the saved input.</summary>
internal sealed class CosOp : Node
{
    private Tensor? _x;
    public override string Name => "cos";

    public static Tensor Apply(Tensor x)
    {
        var y = Elementwise.Unary("cos", x, new CosFunction());
        return Autograd.ShouldRecord(x) ? Record(y, new CosOp { _x = x }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Elementwise.Gradient(g, Saved(_x), new CosFunction());

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => dx[0] = -(g * Input(0).Sin());

    protected override void ReleaseSaved() => _x = null;
}
