using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// 2-D adaptive average pooling of an NCHW input to a fixed output size, with PyTorch's window bounds (see
/// <see cref="AdaptiveAvgPool2dKernel"/>). The backward spreads each output gradient evenly over its window.
/// </summary>
internal sealed class AdaptiveAvgPool2dOp : Node
{
    private int _outHeight, _outWidth;
    public override string Name => "adaptive_avg_pool2d";

    /// <summary>The output size (read by the ONNX exporter).</summary>
    internal int OutHeight => _outHeight;

    internal int OutWidth => _outWidth;

    public static Tensor Apply(Tensor x, int outHeight, int outWidth)
    {
        Elementwise.RequireFloat("adaptive_avg_pool2d", x);
        if (x.Rank != 4)
            throw new ArgumentException($"adaptive_avg_pool2d: expected input [batch, channels, height, width], got {Shapes.Format(x.ShapeArray)}");
        if (outHeight <= 0 || outWidth <= 0)
            throw new ArgumentOutOfRangeException(nameof(outHeight), $"adaptive_avg_pool2d: the output size must be positive, got {outHeight}×{outWidth}");
        var s = x.ShapeArray;
        if (s[2] == 0 || s[3] == 0)
            throw new ArgumentException($"adaptive_avg_pool2d: the input {Shapes.Format(s)} has an empty plane, nothing to average");
        return Pool(x, outHeight, outWidth);
    }

    /// <summary>The pooling of a checked input (also the adjoint of <see cref="AdaptiveAvgPool2dBackwardOp"/>).</summary>
    internal static Tensor Pool(Tensor x, int outHeight, int outWidth)
    {
        var s = x.ShapeArray;
        var forward = new PoolAction
        {
            Input = x.ContiguousData(), Output = Storage.Empty([s[0], s[1], outHeight, outWidth], x.DType),
            Planes = s[0] * s[1], Height = s[2], Width = s[3], OutHeight = outHeight, OutWidth = outWidth, Forward = true,
        };
        DTypeDispatch.Run(x.DType, ref forward);
        var y = forward.Output;
        if (!Autograd.ShouldRecord(x)) return y;
        return Record(y, new AdaptiveAvgPool2dOp { _outHeight = outHeight, _outWidth = outWidth }, x);
    }

    internal override void Backward(Tensor gradOutput, Span<Tensor?> dx)
    {
        var x = InputArray[0];
        dx[0] = Spread(gradOutput, x.ShapeArray, x.DType);
    }

    // The spreading as an operator of its own, whose gradient is this pooling again.
    internal override void RecordedBackward(Tensor gradOutput, Span<Tensor?> dx)
    {
        var x = InputArray[0];
        dx[0] = AdaptiveAvgPool2dBackwardOp.Apply(gradOutput.DType == x.DType ? gradOutput : gradOutput.To(x.DType), x.ShapeArray);
    }

    /// <summary>The kernel's backward: each output gradient spread evenly over its window of an input of <paramref name="inputShape"/>.</summary>
    internal static Tensor Spread(Tensor gradOutput, int[] inputShape, DType dtype)
    {
        var s = inputShape;
        var g = gradOutput.ShapeArray;
        var backward = new PoolAction
        {
            Input = gradOutput.CastData(dtype).ContiguousData(), Output = Storage.Empty(s, dtype),
            Planes = s[0] * s[1], Height = s[2], Width = s[3], OutHeight = g[2], OutWidth = g[3],
        };
        DTypeDispatch.Run(dtype, ref backward);
        return backward.Output;
    }

    /// <summary>The forward (x to y) or the backward (the output gradient to the input gradient).</summary>
    private struct PoolAction : IDTypeAction
    {
        public Tensor Input, Output;
        public int Planes, Height, Width, OutHeight, OutWidth;
        public bool Forward;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            if (Forward) AdaptiveAvgPool2dKernel.Forward<T>(Input.Span<T>(), Output.Span<T>(), Planes, Height, Width, OutHeight, OutWidth);
            else AdaptiveAvgPool2dKernel.Backward<T>(Input.Span<T>(), Output.Span<T>(), Planes, Height, Width, OutHeight, OutWidth);
        }
    }
}
