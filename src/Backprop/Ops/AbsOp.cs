using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>|x|; local gradient sign(x), taken as 0 at 0 as PyTorch does.</summary>
internal sealed class AbsOp : Node
{
    private Tensor? _x;
    public override string Name => "abs";

    public static Tensor Apply(Tensor x)
    {
        var y = Elementwise.Unary("abs", x, UnaryFunction.Abs);
        return Autograd.ShouldRecord(x) ? Record(y, new AbsOp { _x = x }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) =>
        dx[0] = g * Elementwise.Mask(Saved(_x), MaskKernel.Sign, MaskKernel.Sign);

    protected override void ReleaseSaved() => _x = null;
}
