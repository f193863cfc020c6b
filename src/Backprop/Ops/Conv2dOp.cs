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
    private string _name = "conv2d";
    public override string Name => _name;

    /// <summary>Kernel, stride, padding and dilation (read by the ONNX exporter).</summary>
    internal Conv2dGeometry Geometry => _geometry;

    public static Tensor Apply(Tensor x, Tensor weight, Tensor? bias, int stride, int padding) =>
        Apply(x, weight, bias, stride, stride, padding, padding);

    /// <summary>
    /// The general form: separate vertical and horizontal stride and padding. Conv1d runs here as a convolution of
    /// height 1 (<paramref name="name"/> "conv1d", so the graph and anomaly reports name the operator the user called).
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor weight, Tensor? bias, int strideH, int strideW, int padH, int padW, string name = "conv2d")
    {
        var g = CheckedGeometry(x, weight, bias, strideH, strideW, padH, padW);
        var xc = x.ContiguousData();
        var wc = weight.ContiguousData();
        var bc = bias?.ContiguousData();
        var forward = new ForwardAction { X = xc, W = wc, B = bc, Y = Storage.Empty([g.Batch, g.OutChannels, g.OutHeight, g.OutWidth], x.DType), Geometry = g };
        DTypeDispatch.Run(x.DType, ref forward);
        var y = forward.Y;

        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        if (!Autograd.ShouldRecord(inputs)) return y;
        return Record(y, new Conv2dOp { _x = xc, _w = wc, _geometry = g, _name = name }, inputs);
    }

    /// <summary>The geometry of a convolution of <paramref name="x"/> with <paramref name="weight"/>, after checking every argument.</summary>
    internal static Conv2dGeometry CheckedGeometry(Tensor x, Tensor weight, Tensor? bias, int strideH, int strideW, int padH, int padW)
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
        return new Conv2dGeometry(s[0], s[1], s[2], s[3], cout, w[2], w[3], strideH, strideW, padH, padW);
    }

    internal override void Backward(Tensor gradOutput, Span<Tensor?> dx) => Gradients(gradOutput, Saved(_x), Saved(_w), _geometry, InputArray, dx);

    /// <summary>
    /// The gradients of a convolution's inputs [x, weight] or [x, weight, bias] (those that need one) for the gradient
    /// <paramref name="gradOutput"/> at its output, from the contiguous forward input and weight.
    /// </summary>
    internal static void Gradients(Tensor gradOutput, Tensor x, Tensor w, in Conv2dGeometry g, Tensor[] inputs, Span<Tensor?> dx)
    {
        var gy = gradOutput.CastData(x.DType).ContiguousData();
        bool wantBias = inputs.Length == 3 && inputs[2].RequiresGrad;
        // The weight kernel computes both in one pass over the unfolded input; a bias gradient nobody needs is cheap.
        bool wantWeight = inputs[1].RequiresGrad || wantBias;
        var backward = new BackwardAction
        {
            GradOutput = gy, X = x, W = w, Geometry = g,
            GradX = inputs[0].RequiresGrad ? Storage.Empty(x.ShapeArray, x.DType) : null,
            GradW = wantWeight ? Storage.Empty(w.ShapeArray, w.DType) : null,
            GradB = wantWeight && inputs.Length == 3 ? Storage.Empty([g.OutChannels], w.DType) : null,
        };
        DTypeDispatch.Run(x.DType, ref backward);
        dx[0] = backward.GradX;
        if (inputs[1].RequiresGrad) dx[1] = backward.GradW;
        if (wantBias) dx[2] = backward.GradB;
    }

    /// <summary>
    /// <see cref="Gradients"/> for the convolution inside relu(max_pool2d(·, 2)), from <paramref name="pooledGradient"/>,
    /// the float32 gradient at the pooled outputs with ReLU's mask applied, and the forward's arg-maxes, where
    /// <see cref="Conv2dKernel.TakesPooledGradient{T}"/>: the full-size output gradient is never made.
    /// </summary>
    internal static void GradientsFromPooled(ReadOnlySpan<float> pooledGradient, int[] argMax, Tensor x, Tensor w, in Conv2dGeometry g, Tensor[] inputs, Span<Tensor?> dx)
    {
        bool wantBias = inputs.Length == 3 && inputs[2].RequiresGrad;
        bool wantWeight = inputs[1].RequiresGrad || wantBias;
        var gradX = inputs[0].RequiresGrad ? Storage.Empty(x.ShapeArray, x.DType) : null;
        var gradW = wantWeight ? Storage.Empty(w.ShapeArray, w.DType) : null;
        var gradB = wantWeight && inputs.Length == 3 ? Storage.Empty([g.OutChannels], w.DType) : null;
        Conv2dKernel.BackwardFromPooled(pooledGradient, argMax, x.Span<float>(), w.Span<float>(),
            gradX is null ? default : gradX.Span<float>(), gradW is null ? default : gradW.Span<float>(),
            gradB is null ? default : gradB.Span<float>(), g);
        dx[0] = gradX;
        if (inputs[1].RequiresGrad) dx[1] = gradW;
        if (wantBias) dx[2] = gradB;
    }

    internal override void RecordedBackward(Tensor gradOutput, Span<Tensor?> dx) =>
        RecordedGradients(gradOutput, Input(0), Input(1), _geometry, _name, InputArray, dx);

    /// <summary>
    /// <see cref="Gradients"/> with recorded operators. The input gradient (a transposed convolution of g with the
    /// weight) and the weight gradient (a correlation of the input with g) are operators of their own, each bilinear,
    /// whose gradients are convolutions again; the bias gradient is a recorded sum.
    /// </summary>
    internal static void RecordedGradients(Tensor gradOutput, Tensor x, Tensor w, in Conv2dGeometry geometry, string name, Tensor[] inputs, Span<Tensor?> dx)
    {
        var g = gradOutput.DType == x.DType ? gradOutput : gradOutput.To(x.DType);
        if (inputs[0].RequiresGrad) dx[0] = Conv2dInputGradOp.Apply(g, w, geometry, name);
        if (inputs[1].RequiresGrad) dx[1] = Conv2dWeightGradOp.Apply(g, x, geometry, name);
        if (inputs.Length == 3 && inputs[2].RequiresGrad) dx[2] = g.Sum([0, 2, 3]);
    }

    /// <summary>The convolution of <paramref name="x"/> with <paramref name="weight"/> (no bias) over the same geometry, recorded.</summary>
    internal static Tensor Apply(Tensor x, Tensor weight, Conv2dGeometry g, string name) =>
        Apply(x, weight, null, g.StrideH, g.StrideW, g.PadH, g.PadW, name);

    /// <summary>The kernel's input gradient: the transposed convolution of <paramref name="gradOutput"/> with <paramref name="weight"/>.</summary>
    internal static Tensor InputGradient(Tensor gradOutput, Tensor weight, Conv2dGeometry g)
    {
        var gradX = Storage.Empty([g.Batch, g.InChannels, g.Height, g.Width], weight.DType);
        // X is read only for a weight gradient.
        var backward = new BackwardAction { GradOutput = gradOutput.ContiguousData(), W = weight.ContiguousData(), X = null!, Geometry = g, GradX = gradX };
        DTypeDispatch.Run(weight.DType, ref backward);
        return gradX;
    }

    /// <summary>The kernel's weight gradient: the correlation of <paramref name="x"/> with <paramref name="gradOutput"/>.</summary>
    internal static Tensor WeightGradient(Tensor gradOutput, Tensor x, Conv2dGeometry g)
    {
        var gradW = Storage.Empty([g.OutChannels, g.InChannels, g.KernelH, g.KernelW], x.DType);
        // W is read only for an input gradient.
        var backward = new BackwardAction { GradOutput = gradOutput.ContiguousData(), X = x.ContiguousData(), W = null!, Geometry = g, GradW = gradW };
        DTypeDispatch.Run(x.DType, ref backward);
        return gradW;
    }

    private struct ForwardAction : IDTypeAction
    {
        public Tensor X, W, Y;
        public Tensor? B;
        public Conv2dGeometry Geometry;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
            Conv2dKernel.Forward<T>(X.Span<T>(), W.Span<T>(), B is null ? default : B.Span<T>(), Y.Span<T>(), Geometry);
    }

    private struct BackwardAction : IDTypeAction
    {
        public Tensor GradOutput, X, W;
        public Tensor? GradX, GradW, GradB;
        public Conv2dGeometry Geometry;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            if (GradX is not null) Conv2dKernel.BackwardInput<T>(GradOutput.Span<T>(), W.Span<T>(), GradX.Span<T>(), Geometry);
            if (GradW is not null)
                Conv2dKernel.BackwardWeight<T>(GradOutput.Span<T>(), X.Span<T>(), GradW.Span<T>(), GradB is null ? default : GradB.Span<T>(), Geometry);
        }
    }

    protected override void ReleaseSaved() => _x = _w = null;
}
