namespace Backprop.Ops;

/// <summary>
/// The gradient of an adaptive average pooling as an operator of its own, recorded when a backward pass creates the
/// graph: each output gradient spread evenly over its window. Linear, and its adjoint — its gradient — is the pooling again.
/// </summary>
internal sealed class AdaptiveAvgPool2dBackwardOp : Node
{
    public override string Name => "adaptive_avg_pool2d_backward";

    public static Tensor Apply(Tensor g, int[] inputShape)
    {
        var y = AdaptiveAvgPool2dOp.Spread(g, inputShape, g.DType);
        return Autograd.ShouldRecord(g) ? Record(y, new AdaptiveAvgPool2dBackwardOp(), g) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var s = InputArray[0].ShapeArray;
        using (Autograd.NoGrad()) dx[0] = AdaptiveAvgPool2dOp.Pool(g, s[2], s[3]);
    }

    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        var s = InputArray[0].ShapeArray;
        dx[0] = AdaptiveAvgPool2dOp.Pool(g, s[2], s[3]);
    }
}
