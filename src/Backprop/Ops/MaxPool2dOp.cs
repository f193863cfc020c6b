using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// 2-D max pooling of an NCHW input over square windows. The forward saves each window's arg-max, so the backward
/// just routes every upstream gradient to the one input element that won its window (summing where windows overlap).
/// </summary>
internal sealed class MaxPool2dOp : Node
{
    private int[]? _argMax;
    private Pool2dGeometry _geometry;
    private int[] _inputShape = [];
    public override string Name => "max_pool2d";

    /// <summary>Kernel, stride and padding (read by the ONNX exporter).</summary>
    internal Pool2dGeometry Geometry => _geometry;

    public static Tensor Apply(Tensor x, int kernelSize, int stride, int padding)
    {
        Elementwise.RequireFloat("max_pool2d", x);
        if (x.Rank != 4)
            throw new ArgumentException($"max_pool2d: expected input [batch, channels, height, width], got {Shapes.Format(x.ShapeArray)}");
        var s = x.ShapeArray;
        var g = new Pool2dGeometry("max_pool2d", s[0], s[1], s[2], s[3], kernelSize, kernelSize, stride, stride, padding, padding);
        var xc = x.ContiguousData();
        var y = Storage.Empty([g.Batch, g.Channels, g.OutHeight, g.OutWidth], x.DType);
        // The arg-max indices live exactly as long as the step's tensors, so they come from the same pool.
        var argMax = (int[])Storage.Uninitialized(DType.Int32, g.OutputLength);
        var forward = new PoolAction { Input = xc, Output = y, ArgMax = argMax, Geometry = g, Forward = true };
        DTypeDispatch.Run(x.DType, ref forward);
        if (!Autograd.ShouldRecord(x)) return y;
        return Record(y, new MaxPool2dOp { _argMax = argMax, _geometry = g, _inputShape = x.ShapeArray }, x);
    }

    internal override void Backward(Tensor gradOutput, Span<Tensor?> dx)
    {
        var argMax = _argMax ?? throw new InvalidOperationException(
            $"backward through '{Name}' a second time: its saved values were released by the first Backward(); pass retainGraph: true to the first call");
        var dtype = InputArray[0].DType;
        var gy = gradOutput.CastData(dtype).ContiguousData();
        var backward = new PoolAction { Input = gy, Output = Storage.Empty(_inputShape, dtype), ArgMax = argMax, Geometry = _geometry };
        DTypeDispatch.Run(dtype, ref backward);
        dx[0] = backward.Output;
    }

    // The routing as a recorded indexed add (each output gradient to its window's arg-max, an in-plane index), whose
    // own gradient picks the arg-max elements again; so the second derivative is 0 away from ties, as it is.
    internal override void RecordedBackward(Tensor gradOutput, Span<Tensor?> dx)
    {
        var argMax = _argMax ?? throw new InvalidOperationException(
            $"backward through '{Name}' a second time: its saved values were released by the first Backward(); pass retainGraph: true to the first call");
        var x = InputArray[0];
        int outPlane = _geometry.OutHeight * _geometry.OutWidth, plane = _geometry.Height * _geometry.Width;
        var to = new int[_geometry.OutputLength];
        for (int o = 0; o < to.Length; o++) to[o] = o / outPlane * plane + argMax[o];
        var g = gradOutput.DType == x.DType ? gradOutput : gradOutput.To(x.DType);
        dx[0] = IndexedAddOp.Apply(g, null, to, _inputShape, "max_pool2d_backward", Name);
    }

    /// <summary>The forward (x to y, filling the arg-max) or the backward (the output gradient to the input gradient).</summary>
    private struct PoolAction : IDTypeAction
    {
        public Tensor Input, Output;
        public int[] ArgMax;
        public Pool2dGeometry Geometry;
        public bool Forward;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            if (Forward) MaxPool2dKernel.Forward<T>(Input.Span<T>(), Output.Span<T>(), ArgMax, Geometry);
            else MaxPool2dKernel.Backward<T>(Input.Span<T>(), ArgMax, Output.Span<T>(), Geometry);
        }
    }

    protected override void ReleaseSaved() => _argMax = null;
}
