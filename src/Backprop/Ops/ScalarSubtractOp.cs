using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>s − x for a constant s; local gradient −1.</summary>
internal sealed class ScalarSubtractOp : Node
{
    public override string Name => "sub";

    public static Tensor Apply(Tensor x, double s)
    {
        var y = Elementwise.WithScalar("sub", x, s, new SubtractFunction(), scalarFirst: true);
        return Autograd.ShouldRecord(x) ? Record(y, new ScalarSubtractOp(), x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = -g;

    // The rule above is already written with recorded operators (on the gradient and constants only).
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => Backward(g, dx);
}
