using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>−x; local gradient −1.</summary>
internal sealed class NegateOp : Node
{
    public override string Name => "neg";

    public static Tensor Apply(Tensor x)
    {
        var y = Elementwise.Unary("neg", x, new NegateFunction());
        return Autograd.ShouldRecord(x) ? Record(y, new NegateOp(), x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = -g;

    // The rule above is already written with recorded operators (on the gradient and constants only).
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => Backward(g, dx);
}
