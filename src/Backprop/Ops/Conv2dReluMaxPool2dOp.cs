using System.Buffers;
using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// A convolution, ReLU and 2×2 max pooling of stride 2 as one operator: relu(max_pool2d(conv2d(x, w, b), 2)), a CNN's
/// usual block. The pooling runs in the convolution's epilogue (<see cref="Conv2dKernel.ForwardReluMaxPool2x2{T}"/>),
/// so the full-size convolution output is never written nor read back; only the pooled output and its arg-maxes are
/// kept, which is all the backward needs besides x and w. The backward is relu_max_pool2d's routing into the
/// convolution's output gradient, then the convolution's own backward.
/// </summary>
/// <remarks>
/// Bit-identical to conv2d followed by relu_max_pool2d, gradients included: the epilogue adds the bias to the same
/// sums the full-size output would hold and pools them by the same rule (see <see cref="ReluMaxPool2dOp"/>).
/// <see cref="NN.Sequential"/> uses it for a Conv2d layer followed by ReLU and MaxPool2d(2).
/// </remarks>
internal sealed class Conv2dReluMaxPool2dOp : Node
{
    private Tensor? _x, _w, _y;
    private int[]? _argMax;
    private Conv2dGeometry _geometry;
    private Pool2dGeometry _pool;
    public override string Name => "conv2d_relu_max_pool2d";

    public static Tensor Apply(Tensor x, Tensor weight, Tensor? bias, int stride, int padding)
    {
        var g = Conv2dOp.CheckedGeometry(x, weight, bias, stride, stride, padding, padding);
        var pool = new Pool2dGeometry("max_pool2d", g.Batch, g.OutChannels, g.OutHeight, g.OutWidth, 2, 2, 2, 2, 0, 0);
        var xc = x.ContiguousData();
        var wc = weight.ContiguousData();
        var forward = new ForwardAction
        {
            X = xc, W = wc, B = bias?.ContiguousData(), Geometry = g,
            Y = Storage.Empty([g.Batch, g.OutChannels, pool.OutHeight, pool.OutWidth], x.DType),
            ArgMax = (int[])Storage.Uninitialized(DType.Int32, pool.OutputLength),
        };
        DTypeDispatch.Run(x.DType, ref forward);
        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        if (!Autograd.ShouldRecord(inputs)) return forward.Y;
        return Record(forward.Y, new Conv2dReluMaxPool2dOp { _x = xc, _w = wc, _y = forward.Y, _argMax = forward.ArgMax, _geometry = g, _pool = pool }, inputs);
    }

    internal override void Backward(Tensor gradOutput, Span<Tensor?> dx)
    {
        var x = Saved(_x);
        var g = gradOutput.CastData(x.DType);
        if (x.DType == DType.Float32 && Conv2dKernel.TakesPooledGradient<float>(_geometry))
        {
            // The convolution's gradients straight from the pooled one: the full-size gradient is never made, and the
            // pooled one through the ReLU lives only while this node runs (a rented array, not a tensor).
            var pooled = g.ContiguousData();
            float[] rented = ArrayPool<float>.Shared.Rent(pooled.Numel);
            try
            {
                var masked = rented.AsSpan(0, pooled.Numel);
                ElementwiseKernel.Gradient(new ReluFunction(), pooled.Span<float>(), Saved(_y).ContiguousData().Span<float>(), masked);
                Conv2dOp.GradientsFromPooled(masked, ArgMaxOrThrow(), x, Saved(_w), _geometry, InputArray, dx);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(rented);
            }
            return;
        }
        var gz = ReluMaxPool2dOp.InputGradient(g, Saved(_y), ArgMaxOrThrow(), _pool, ConvolutionShape);
        Conv2dOp.Gradients(gz, x, Saved(_w), _geometry, InputArray, dx);
    }

    // The two rules in sequence, each recorded: the pooled gradient routed into the convolution's output, then the
    // convolution's own recorded gradients.
    internal override void RecordedBackward(Tensor gradOutput, Span<Tensor?> dx)
    {
        var x = Input(0);
        var g = gradOutput.DType == x.DType ? gradOutput : gradOutput.To(x.DType);
        var gz = ReluMaxPool2dOp.RecordedInputGradient(g, Saved(_y), ArgMaxOrThrow(), _pool, ConvolutionShape, Name);
        Conv2dOp.RecordedGradients(gz, x, Input(1), _geometry, "conv2d", InputArray, dx);
    }

    private int[] ConvolutionShape => [_geometry.Batch, _geometry.OutChannels, _geometry.OutHeight, _geometry.OutWidth];

    private int[] ArgMaxOrThrow() => _argMax ?? throw new InvalidOperationException(
        $"backward through '{Name}' a second time: its saved values were released by the first Backward(); pass retainGraph: true to the first call");

    private struct ForwardAction : IDTypeAction
    {
        public Tensor X, W, Y;
        public Tensor? B;
        public int[] ArgMax;
        public Conv2dGeometry Geometry;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
            Conv2dKernel.ForwardReluMaxPool2x2<T>(X.Span<T>(), W.Span<T>(), B is null ? default : B.Span<T>(), Y.Span<T>(), ArgMax, Geometry);
    }

    protected override void ReleaseSaved()
    {
        _x = _w = _y = null;
        _argMax = null;
    }
}
