using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// The weight gradient of a convolution as an operator of its own, recorded when a backward pass creates the graph:
/// the correlation of the input x with the upstream gradient g. Bilinear: for an upstream u of the weight's shape,
/// ∂/∂g = conv(x, u), the forward convolution with u as the weight, and ∂/∂x = the transposed convolution of g with u
/// (<see cref="Conv2dInputGradOp"/>).
/// </summary>
internal sealed class Conv2dWeightGradOp : Node
{
    private Conv2dGeometry _geometry;
    private string _name = "conv2d";
    public override string Name => _name + "_weight_backward";

    public static Tensor Apply(Tensor g, Tensor x, Conv2dGeometry geometry, string name)
    {
        var y = Conv2dOp.WeightGradient(g, x, geometry);
        return Autograd.ShouldRecord(g, x) ? Record(y, new Conv2dWeightGradOp { _geometry = geometry, _name = name }, g, x) : y;
    }

    internal override void Backward(Tensor u, Span<Tensor?> dx)
    {
        using (Autograd.NoGrad()) RecordedBackward(u, dx);
    }

    internal override void RecordedBackward(Tensor u, Span<Tensor?> dx)
    {
        var g = Input(0);
        var x = Input(1);
        if (u.DType != x.DType) u = u.To(x.DType);
        if (Wants(0)) dx[0] = Conv2dOp.Apply(x, u, _geometry, _name);
        if (Wants(1)) dx[1] = Conv2dInputGradOp.Apply(g, u, _geometry, _name);
    }
}
