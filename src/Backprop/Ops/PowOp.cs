using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>aᵇ for tensors with broadcasting; ∂/∂a = b·aᵇ⁻¹, ∂/∂b = aᵇ·ln a (defined for a &gt; 0).</summary>
internal sealed class PowOp : Node
{
    private Tensor? _a, _b, _y;
    public override string Name => "pow";

    public static Tensor Apply(Tensor a, Tensor b)
    {
        var y = Elementwise.Binary("pow", a, b, new PowFunction());
        return Autograd.ShouldRecord(a, b) ? Record(y, new PowOp { _a = a, _b = b, _y = y }, a, b) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var a = Saved(_a);
        var b = Saved(_b);
        if (InputArray[0].RequiresGrad) dx[0] = g * b * a.Pow(b - 1.0);
        if (InputArray[1].RequiresGrad) dx[1] = g * Saved(_y) * a.Log();
    }

    protected override void ReleaseSaved() => _a = _b = _y = null;
}
