using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// The input gradient of a convolution as an operator of its own, recorded when a backward pass creates the graph:
/// the transposed convolution of the upstream gradient g with the weight w. Bilinear: for an upstream u of the
/// input's shape, ∂/∂g = conv(u, w), the forward convolution, and ∂/∂w = the weight gradient of the convolution of u
/// against g (<see cref="Conv2dWeightGradOp"/>).
/// </summary>
internal sealed class Conv2dInputGradOp : Node
{
    private Conv2dGeometry _geometry;
    private string _name = "conv2d";
    public override string Name => _name + "_input_backward";

    public static Tensor Apply(Tensor g, Tensor w, Conv2dGeometry geometry, string name)
    {
        var y = Conv2dOp.InputGradient(g, w, geometry);
        return Autograd.ShouldRecord(g, w) ? Record(y, new Conv2dInputGradOp { _geometry = geometry, _name = name }, g, w) : y;
    }

    internal override void Backward(Tensor u, Span<Tensor?> dx)
    {
        using (Autograd.NoGrad()) RecordedBackward(u, dx);
    }

    internal override void RecordedBackward(Tensor u, Span<Tensor?> dx)
    {
        var g = Input(0);
        var w = Input(1);
        if (u.DType != w.DType) u = u.To(w.DType);
        if (Wants(0)) dx[0] = Conv2dOp.Apply(u, w, _geometry, _name);
        if (Wants(1)) dx[1] = Conv2dWeightGradOp.Apply(g, u, _geometry, _name);
    }
}
