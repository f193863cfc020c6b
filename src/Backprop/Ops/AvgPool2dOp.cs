using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// 2-D average pooling of an NCHW input over square windows, zero padding counted in the divisor (PyTorch's
/// <c>count_include_pad = true</c>). The backward spreads each output gradient evenly over its window; it needs no
/// saved values, only the geometry.
/// </summary>
internal sealed class AvgPool2dOp : Node
{
    private Pool2dGeometry _geometry;
    public override string Name => "avg_pool2d";

    /// <summary>Kernel, stride and padding (read by the ONNX exporter).</summary>
    internal Pool2dGeometry Geometry => _geometry;

    public static Tensor Apply(Tensor x, int kernelSize, int stride, int padding)
    {
        Elementwise.RequireFloat("avg_pool2d", x);
        if (x.Rank != 4)
            throw new ArgumentException($"avg_pool2d: expected input [batch, channels, height, width], got {Shapes.Format(x.ShapeArray)}");
        var s = x.ShapeArray;
        var g = new Pool2dGeometry("avg_pool2d", s[0], s[1], s[2], s[3], kernelSize, kernelSize, stride, stride, padding, padding, emptyBatchAllowed: true);
        return Apply(x, g);
    }

    /// <summary>The pooling of an input of the geometry's shape (the adjoint of <see cref="AvgPool2dBackwardOp"/>).</summary>
    internal static Tensor Apply(Tensor x, Pool2dGeometry g)
    {
        var forward = new PoolAction { Input = x.ContiguousData(), Output = Storage.Empty([g.Batch, g.Channels, g.OutHeight, g.OutWidth], x.DType), Geometry = g, Forward = true };
        DTypeDispatch.Run(x.DType, ref forward);
        var y = forward.Output;
        if (!Autograd.ShouldRecord(x)) return y;
        return Record(y, new AvgPool2dOp { _geometry = g }, x);
    }

    internal override void Backward(Tensor gradOutput, Span<Tensor?> dx) => dx[0] = Spread(gradOutput, _geometry, InputArray[0].DType);

    // The spreading as an operator of its own, whose gradient is this pooling again.
    internal override void RecordedBackward(Tensor gradOutput, Span<Tensor?> dx)
    {
        var dtype = InputArray[0].DType;
        dx[0] = AvgPool2dBackwardOp.Apply(gradOutput.DType == dtype ? gradOutput : gradOutput.To(dtype), _geometry);
    }

    /// <summary>The kernel's backward: each output gradient spread evenly over its window.</summary>
    internal static Tensor Spread(Tensor gradOutput, Pool2dGeometry geometry, DType dtype)
    {
        var backward = new PoolAction { Input = gradOutput.CastData(dtype).ContiguousData(), Output = Storage.Empty([geometry.Batch, geometry.Channels, geometry.Height, geometry.Width], dtype), Geometry = geometry };
        DTypeDispatch.Run(dtype, ref backward);
        return backward.Output;
    }

    /// <summary>The forward (x to y) or the backward (the output gradient to the input gradient).</summary>
    private struct PoolAction : IDTypeAction
    {
        public Tensor Input, Output;
        public Pool2dGeometry Geometry;
        public bool Forward;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            if (Forward) AvgPool2dKernel.Forward<T>(Input.Span<T>(), Output.Span<T>(), Geometry);
            else AvgPool2dKernel.Backward<T>(Input.Span<T>(), Output.Span<T>(), Geometry);
        }
    }
}
