using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>a / b with broadcasting; ∂/∂a = 1/b, ∂/∂b = −a/b² = −y/b.</summary>
internal sealed class DivideOp : Node
{
    private Tensor? _b, _y;
    public override string Name => "div";

    public static Tensor Apply(Tensor a, Tensor b)
    {
        var y = Elementwise.Binary("div", a, b, new DivideFunction());
        return Autograd.ShouldRecord(a, b) ? Record(y, new DivideOp { _b = b, _y = y }, a, b) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var b = Saved(_b);
        if (InputArray[0].RequiresGrad) dx[0] = g / b;
        if (InputArray[1].RequiresGrad) dx[1] = -(g * Saved(_y) / b);
    }

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        var b = Input(1);
        if (Wants(0)) dx[0] = g / b;
        if (Wants(1)) dx[1] = -(g * Input(0)) / (b * b);
    }

    protected override void ReleaseSaved() => _b = _y = null;
}
