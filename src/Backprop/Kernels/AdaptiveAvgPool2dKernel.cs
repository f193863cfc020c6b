using System.Numerics;
using System.Numerics.Tensors;

namespace Backprop.Kernels;

/// <summary>
/// 2-D adaptive average pooling over NCHW data [Batch, Channels, Height, Width] to [Batch, Channels, OutHeight, OutWidth]
/// with PyTorch's windows: output row i averages input rows <c>⌊i·H / OutH⌋</c> to <c>⌈(i + 1)·H / OutH⌉</c> (exclusive;
/// likewise columns), so windows may differ in size and overlap. Parallel over the N·C planes; bit-identical for any
/// thread count.
/// </summary>
internal static unsafe class AdaptiveAvgPool2dKernel
{
    /// <summary>The first input index of window <paramref name="i"/>: ⌊i·in / out⌋.</summary>
    public static int Start(int i, int inSize, int outSize) => (int)((long)i * inSize / outSize);

    /// <summary>One past the last input index of window <paramref name="i"/>: ⌈(i + 1)·in / out⌉.</summary>
    public static int End(int i, int inSize, int outSize) => (int)(((long)(i + 1) * inSize + outSize - 1) / outSize);

    /// <summary>output = the mean of each window.</summary>
    public static void Forward<T>(ReadOnlySpan<T> input, Span<T> output, int planes, int height, int width, int outHeight, int outWidth)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(input.Length, output.Length, planes, height, width, outHeight, outWidth);
        fixed (T* pIn = input) fixed (T* pOut = output)
            Parallelism.For(planes, (long)height * width + outHeight * outWidth,
                new Body<T> { Source = pIn, Destination = pOut, H = height, W = width, OutH = outHeight, OutW = outWidth, Forward = true });
    }

    /// <summary>gradInput = each output gradient divided by its window's size, added over the windows that cover an element.</summary>
    public static void Backward<T>(ReadOnlySpan<T> gradOutput, Span<T> gradInput, int planes, int height, int width, int outHeight, int outWidth)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(gradInput.Length, gradOutput.Length, planes, height, width, outHeight, outWidth);
        fixed (T* pGy = gradOutput) fixed (T* pGx = gradInput)
            Parallelism.For(planes, (long)height * width + outHeight * outWidth,
                new Body<T> { Source = pGy, Destination = pGx, H = height, W = width, OutH = outHeight, OutW = outWidth, Forward = false });
    }

    private static void Check(int inputLength, int outputLength, int planes, int height, int width, int outHeight, int outWidth)
    {
        if (planes < 0 || height <= 0 || width <= 0 || outHeight <= 0 || outWidth <= 0)
            throw new ArgumentException($"adaptive_avg_pool2d: sizes {planes} planes of {height}×{width} to {outHeight}×{outWidth} must be positive.");
        if (inputLength != (long)planes * height * width || outputLength != (long)planes * outHeight * outWidth)
            throw new ArgumentException(
                $"adaptive_avg_pool2d: buffers of {inputLength} and {outputLength} elements do not fit {planes} planes of {height}×{width} to {outHeight}×{outWidth}.");
    }

    private struct Body<T> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* Source, Destination;
        public int H, W, OutH, OutW;
        public bool Forward;

        public readonly void Invoke(int plane)
        {
            if (Forward) ForwardPlane(Source + (nint)plane * H * W, Destination + (nint)plane * OutH * OutW);
            else BackwardPlane(Source + (nint)plane * OutH * OutW, Destination + (nint)plane * H * W);
        }

        private readonly void ForwardPlane(T* x, T* y)
        {
            for (int oh = 0; oh < OutH; oh++)
            {
                int h0 = Start(oh, H, OutH), h1 = End(oh, H, OutH);
                for (int ow = 0; ow < OutW; ow++)
                {
                    int w0 = Start(ow, W, OutW), w1 = End(ow, W, OutW);
                    T sum = T.Zero;
                    for (int ih = h0; ih < h1; ih++) sum += TensorPrimitives.Sum(new ReadOnlySpan<T>(x + (nint)ih * W + w0, w1 - w0));
                    y[oh * OutW + ow] = sum / T.CreateTruncating((h1 - h0) * (w1 - w0));
                }
            }
        }

        private readonly void BackwardPlane(T* gy, T* gx)
        {
            new Span<T>(gx, H * W).Clear();
            // Sequential within the plane, so overlapping windows add in a fixed order.
            for (int oh = 0; oh < OutH; oh++)
            {
                int h0 = Start(oh, H, OutH), h1 = End(oh, H, OutH);
                for (int ow = 0; ow < OutW; ow++)
                {
                    int w0 = Start(ow, W, OutW), w1 = End(ow, W, OutW);
                    T share = gy[oh * OutW + ow] / T.CreateTruncating((h1 - h0) * (w1 - w0));
                    for (int ih = h0; ih < h1; ih++)
                    {
                        var row = new Span<T>(gx + (nint)ih * W + w0, w1 - w0);
                        TensorPrimitives.Add(row, share, row);
                    }
                }
            }
        }
    }
}
