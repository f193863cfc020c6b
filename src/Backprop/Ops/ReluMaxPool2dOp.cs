using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// ReLU followed by 2-D max pooling, as one operator: max_pool(relu(x)) = relu(max_pool(x)), because ReLU keeps the
/// order of its inputs. So the window maxima are taken over x itself and ReLU runs over the pooled output only, a
/// quarter of the elements for a 2×2 window; the backward masks the (pooled) upstream gradient where the output is
/// not positive and routes it to the arg-max, so no input-sized ReLU output or ReLU gradient is ever made.
/// </summary>
/// <remarks>
/// Bit-identical to the two operators in sequence, gradients included: a window whose maximum is positive picks the
/// same element either way (the first strict maximum, a NaN winning), and a window with none gives 0 and a zero
/// gradient either way (relu(x) ties at 0 and ReLU's gradient is 0 there). <see cref="NN.Sequential"/> uses it for a
/// ReLU layer followed by a MaxPool2d layer.
/// </remarks>
internal sealed class ReluMaxPool2dOp : Node
{
    private int[]? _argMax;
    private Tensor? _y;
    private Pool2dGeometry _geometry;
    private int[] _inputShape = [];
    public override string Name => "relu_max_pool2d";

    public static Tensor Apply(Tensor x, int kernelSize, int stride, int padding)
    {
        Elementwise.RequireFloat("relu_max_pool2d", x);
        if (x.Rank != 4)
            throw new ArgumentException($"relu_max_pool2d: expected input [batch, channels, height, width], got {Shapes.Format(x.ShapeArray)}");
        var s = x.ShapeArray;
        var g = new Pool2dGeometry("max_pool2d", s[0], s[1], s[2], s[3], kernelSize, kernelSize, stride, stride, padding, padding);
        var xc = x.ContiguousData();
        var y = Storage.Empty([g.Batch, g.Channels, g.OutHeight, g.OutWidth], x.DType);
        var argMax = (int[])Storage.Uninitialized(DType.Int32, g.OutputLength);
        var forward = new ForwardAction { Input = xc, Output = y, ArgMax = argMax, Geometry = g };
        DTypeDispatch.Run(x.DType, ref forward);
        if (!Autograd.ShouldRecord(x)) return y;
        return Record(y, new ReluMaxPool2dOp { _argMax = argMax, _y = y, _geometry = g, _inputShape = x.ShapeArray }, x);
    }

    internal override void Backward(Tensor gradOutput, Span<Tensor?> dx) =>
        dx[0] = InputGradient(gradOutput, Saved(_y), ArgMaxOrThrow(), _geometry, _inputShape);

    // As max_pool2d's: the masked gradient (the mask a constant of the forward) routed by a recorded indexed add.
    internal override void RecordedBackward(Tensor gradOutput, Span<Tensor?> dx)
    {
        var x = InputArray[0];
        var g = gradOutput.DType == x.DType ? gradOutput : gradOutput.To(x.DType);
        dx[0] = RecordedInputGradient(g, Saved(_y), ArgMaxOrThrow(), _geometry, _inputShape, Name);
    }

    private int[] ArgMaxOrThrow() => _argMax ?? throw new InvalidOperationException(
        $"backward through '{Name}' a second time: its saved values were released by the first Backward(); pass retainGraph: true to the first call");

    /// <summary>
    /// The input gradient of relu(max_pool2d(x)) for <paramref name="gradOutput"/>, from the pooled output
    /// <paramref name="y"/> and the arg-maxes: ReLU's gradient on the pooled output (a quarter of the input for 2×2
    /// windows), then the max-pool routing into a gradient of <paramref name="inputShape"/>.
    /// </summary>
    internal static Tensor InputGradient(Tensor gradOutput, Tensor y, int[] argMax, in Pool2dGeometry geometry, int[] inputShape)
    {
        var masked = Elementwise.Gradient(gradOutput, y, new ReluFunction());
        var backward = new BackwardAction { GradOutput = masked, GradInput = Storage.Empty(inputShape, y.DType), ArgMax = argMax, Geometry = geometry };
        DTypeDispatch.Run(y.DType, ref backward);
        return backward.GradInput;
    }

    /// <summary><see cref="InputGradient"/> with recorded operators (differentiable in <paramref name="g"/>; the mask and routing are constants).</summary>
    internal static Tensor RecordedInputGradient(Tensor g, Tensor y, int[] argMax, in Pool2dGeometry geometry, int[] inputShape, string name)
    {
        Tensor slopes;
        using (Autograd.NoGrad()) slopes = Elementwise.Gradient(Tensor.OnesLike(y), y, new ReluFunction());
        int outPlane = geometry.OutHeight * geometry.OutWidth, plane = geometry.Height * geometry.Width;
        var to = new int[geometry.OutputLength];
        for (int o = 0; o < to.Length; o++) to[o] = o / outPlane * plane + argMax[o];
        return IndexedAddOp.Apply(g * slopes, null, to, inputShape, "max_pool2d_backward", name);
    }

    private struct ForwardAction : IDTypeAction
    {
        public Tensor Input, Output;
        public int[] ArgMax;
        public Pool2dGeometry Geometry;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var y = Output.Span<T>();
            MaxPool2dKernel.Forward<T>(Input.Span<T>(), y, ArgMax, Geometry);
            new ReluFunction().Invoke<T>(y, y);
        }
    }

    private struct BackwardAction : IDTypeAction
    {
        public Tensor GradOutput, GradInput;
        public int[] ArgMax;
        public Pool2dGeometry Geometry;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
            MaxPool2dKernel.Backward<T>(GradOutput.Span<T>(), ArgMax, GradInput.Span<T>(), Geometry);
    }

    protected override void ReleaseSaved()
    {
        _argMax = null;
        _y = null;
    }
}
