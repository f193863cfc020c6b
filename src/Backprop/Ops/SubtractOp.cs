using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>a − b with broadcasting; local gradients 1 and −1.</summary>
internal sealed class SubtractOp : Node
{
    public override string Name => "sub";

    public static Tensor Apply(Tensor a, Tensor b)
    {
        var y = Elementwise.Binary("sub", a, b, new SubtractFunction());
        return Autograd.ShouldRecord(a, b) ? Record(y, new SubtractOp(), a, b) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        dx[0] = g;
        if (InputArray[1].RequiresGrad) dx[1] = -g;
    }

    // The rule above is already written with recorded operators (on the gradient and constants only).
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => Backward(g, dx);
}
