using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// The gradient of an average pooling as an operator of its own, recorded when a backward pass creates the graph:
/// each output gradient spread evenly over its window. Linear, and its adjoint — its gradient — is the pooling again.
/// </summary>
internal sealed class AvgPool2dBackwardOp : Node
{
    private Pool2dGeometry _geometry;
    public override string Name => "avg_pool2d_backward";

    public static Tensor Apply(Tensor g, Pool2dGeometry geometry)
    {
        var y = AvgPool2dOp.Spread(g, geometry, g.DType);
        return Autograd.ShouldRecord(g) ? Record(y, new AvgPool2dBackwardOp { _geometry = geometry }, g) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        using (Autograd.NoGrad()) dx[0] = AvgPool2dOp.Apply(g, _geometry);
    }

    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => dx[0] = AvgPool2dOp.Apply(g, _geometry);
}
