using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// 2-D convolution (cross-correlation) of an NCHW input [N, Cin, H, W] with a weight [Cout, Cin, kh, kw] and an optional
/// bias [Cout], with a square stride and zero padding. The input gradient is the transposed convolution of the upstream
/// gradient with the weight; the weight and bias gradients are one GEMM and a sum over the batch (see <see cref="Conv2dKernel"/>).
/// </summary>
internal sealed class Conv2dOp : Node
{
    private Tensor? _x, _w;
    private Conv2dGeometry _geometry;
    public override string Name => "conv2d";

    public static Tensor Apply(Tensor x, Tensor weight, Tensor? bias, int stride, int padding)
    {
        Elementwise.RequireFloat("conv2d", x);
        Elementwise.RequireFloat("conv2d", weight);
        if (x.Rank != 4 || weight.Rank != 4)
            throw new ArgumentException(
                $"conv2d: expected input [batch, channels, height, width] and weight [out, in, kh, kw], got {Shapes.Format(x.ShapeArray)} and {Shapes.Format(weight.ShapeArray)}");
        if (x.ShapeArray[1] != weight.ShapeArray[1])
            throw new ArgumentException(
                $"conv2d: the input has {x.ShapeArray[1]} channels ({Shapes.Format(x.ShapeArray)}) but the weight {Shapes.Format(weight.ShapeArray)} expects {weight.ShapeArray[1]}");
        if (x.DType != weight.DType || (bias is not null && bias.DType != x.DType))
            throw new ArgumentException($"conv2d: input, weight and bias must share one dtype, got {x.DType.Name()} and {weight.DType.Name()}");
        int cout = weight.ShapeArray[0];
        if (bias is not null && (bias.Rank != 1 || bias.ShapeArray[0] != cout))
            throw new ArgumentException($"conv2d: the bias must have shape [{cout}], got {Shapes.Format(bias.ShapeArray)}");
        var s = x.ShapeArray;
        var w = weight.ShapeArray;
        var g = new Conv2dGeometry(s[0], s[1], s[2], s[3], cout, w[2], w[3], stride, stride, padding, padding);
        var xc = x.ContiguousData();
        var wc = weight.ContiguousData();
        var bc = bias?.ContiguousData();
        var y = Storage.Empty([g.Batch, cout, g.OutHeight, g.OutWidth], x.DType);
        if (x.DType == DType.Float32)
            Conv2dKernel.Forward<float>(xc.Span<float>(), wc.Span<float>(), bc is null ? default : bc.Span<float>(), y.Span<float>(), g);
        else
            Conv2dKernel.Forward<double>(xc.Span<double>(), wc.Span<double>(), bc is null ? default : bc.Span<double>(), y.Span<double>(), g);

        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        if (!Autograd.ShouldRecord(inputs)) return y;
        return Record(y, new Conv2dOp { _x = xc, _w = wc, _geometry = g }, inputs);
    }

    internal override void Backward(Tensor gradOutput, Span<Tensor?> dx)
    {
        var x = Saved(_x);
        var w = Saved(_w);
        var g = _geometry;
        var gy = gradOutput.CastData(x.DType).ContiguousData();
        var inputs = InputArray;
        if (inputs[0].RequiresGrad)
        {
            var gx = Storage.Empty(x.ShapeArray, x.DType);
            if (x.DType == DType.Float32) Conv2dKernel.BackwardInput<float>(gy.Span<float>(), w.Span<float>(), gx.Span<float>(), g);
            else Conv2dKernel.BackwardInput<double>(gy.Span<double>(), w.Span<double>(), gx.Span<double>(), g);
            dx[0] = gx;
        }
        bool wantBias = inputs.Length == 3 && inputs[2].RequiresGrad;
        if (inputs[1].RequiresGrad || wantBias)
        {
            // The kernel computes both in one pass over the unfolded input; a bias gradient nobody needs is cheap.
            var gw = Storage.Empty(w.ShapeArray, w.DType);
            var gb = inputs.Length == 3 ? Storage.Empty([g.OutChannels], w.DType) : null;
            if (x.DType == DType.Float32)
                Conv2dKernel.BackwardWeight<float>(gy.Span<float>(), x.Span<float>(), gw.Span<float>(), gb is null ? default : gb.Span<float>(), g);
            else
                Conv2dKernel.BackwardWeight<double>(gy.Span<double>(), x.Span<double>(), gw.Span<double>(), gb is null ? default : gb.Span<double>(), g);
            if (inputs[1].RequiresGrad) dx[1] = gw;
            if (wantBias) dx[2] = gb;
        }
    }

    protected override void ReleaseSaved() => _x = _w = null;
}
