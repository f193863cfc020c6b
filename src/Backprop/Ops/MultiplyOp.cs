using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>a · b element-wise with broadcasting; the multiply gate swaps its inputs: ∂/∂a = b, ∂/∂b = a.</summary>
internal sealed class MultiplyOp : Node
{
    private Tensor? _a, _b;
    public override string Name => "mul";

    public static Tensor Apply(Tensor a, Tensor b)
    {
        var y = Elementwise.Binary("mul", a, b, new MultiplyFunction());
        return Autograd.ShouldRecord(a, b) ? Record(y, new MultiplyOp { _a = a, _b = b }, a, b) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        if (InputArray[0].RequiresGrad) dx[0] = g * Saved(_b);
        if (InputArray[1].RequiresGrad) dx[1] = g * Saved(_a);
    }

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        if (Wants(0)) dx[0] = g * Input(1);
        if (Wants(1)) dx[1] = g * Input(0);
    }

    protected override void ReleaseSaved() => _a = _b = null;
}
