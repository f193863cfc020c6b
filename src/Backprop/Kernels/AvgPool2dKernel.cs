using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Backprop.Kernels;

/// <summary>
/// Shape of a 2-D average pooling over NCHW data: input [Batch, Channels, Height, Width], output
/// [Batch, Channels, OutHeight, OutWidth] with <c>OutHeight = (Height + 2·PadH − KernelH) / StrideH + 1</c> (floor
/// mode; likewise OutWidth). Padding is at most half the kernel, as PyTorch requires.
/// </summary>
internal readonly record struct AvgPool2dGeometry
{
    /// <summary>Creates and validates a geometry; throws <see cref="ArgumentException"/> naming the bad value.</summary>
    public AvgPool2dGeometry(int batch, int channels, int height, int width, int kernelH, int kernelW,
        int strideH, int strideW, int padH = 0, int padW = 0)
    {
        if (batch < 0 || channels < 0 || height <= 0 || width <= 0 || kernelH <= 0 || kernelW <= 0 || strideH <= 0 || strideW <= 0)
            throw new ArgumentException(
                $"avg_pool2d: input {batch}×{channels}×{height}×{width}, kernel {kernelH}×{kernelW} and stride {strideH}×{strideW} must be positive.");
        if (padH < 0 || padW < 0 || 2 * padH > kernelH || 2 * padW > kernelW)
            throw new ArgumentException(
                $"avg_pool2d: padding {padH}×{padW} must be non-negative and at most half the {kernelH}×{kernelW} kernel.");
        if (kernelH > height + 2L * padH || kernelW > width + 2L * padW)
            throw new ArgumentException(
                $"avg_pool2d: the {kernelH}×{kernelW} window is larger than the padded {height + 2L * padH}×{width + 2L * padW} input.");
        if ((long)batch * channels * height * width > Array.MaxLength)
            throw new ArgumentException($"avg_pool2d: a {batch}×{channels}×{height}×{width} input is too large for one array.");
        (Batch, Channels, Height, Width, KernelH, KernelW) = (batch, channels, height, width, kernelH, kernelW);
        (StrideH, StrideW, PadH, PadW) = (strideH, strideW, padH, padW);
        OutHeight = (height + 2 * padH - kernelH) / strideH + 1;
        OutWidth = (width + 2 * padW - kernelW) / strideW + 1;
    }

    /// <summary>Number of samples N.</summary>
    public int Batch { get; }
    /// <summary>Channels C.</summary>
    public int Channels { get; }
    /// <summary>Input height.</summary>
    public int Height { get; }
    /// <summary>Input width.</summary>
    public int Width { get; }
    /// <summary>Window height.</summary>
    public int KernelH { get; }
    /// <summary>Window width.</summary>
    public int KernelW { get; }
    /// <summary>Vertical stride.</summary>
    public int StrideH { get; }
    /// <summary>Horizontal stride.</summary>
    public int StrideW { get; }
    /// <summary>Implicit zero padding above and below (counted in the divisor).</summary>
    public int PadH { get; }
    /// <summary>Implicit zero padding left and right (counted in the divisor).</summary>
    public int PadW { get; }
    /// <summary>Output height.</summary>
    public int OutHeight { get; }
    /// <summary>Output width.</summary>
    public int OutWidth { get; }

    /// <summary>Elements of the input (and of its gradient).</summary>
    public int InputLength => Batch * Channels * Height * Width;
    /// <summary>Elements of the output (and of its gradient).</summary>
    public int OutputLength => Batch * Channels * OutHeight * OutWidth;
}

/// <summary>
/// 2-D average pooling over NCHW data with PyTorch's default <c>count_include_pad = true</c>: every window's sum is
/// divided by KernelH·KernelW, padding included. Parallel over the N·C planes; bit-identical for any thread count.
/// </summary>
/// <remarks>
/// Both passes work a padded row at a time so the inner loops are vector adds: the forward sums a window's input rows
/// into one padded row (<see cref="TensorPrimitives.Add{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>) and then sums
/// each window's columns of it; the backward spreads a row of output gradients over one padded row and adds that row
/// to each input row the windows cover. Scratch rows come from <see cref="ArrayPool{T}.Shared"/>.
/// </remarks>
internal static unsafe class AvgPool2dKernel
{
    /// <summary>output = the mean of each window (padding counts as zeros).</summary>
    public static void Forward<T>(ReadOnlySpan<T> input, Span<T> output, in AvgPool2dGeometry geometry) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = geometry;
        CheckLength(input.Length, g.InputLength, nameof(input));
        CheckLength(output.Length, g.OutputLength, nameof(output));
        fixed (T* pIn = input) fixed (T* pOut = output)
            Parallelism.For(g.Batch * g.Channels, (long)g.OutHeight * g.KernelH * (g.Width + g.OutWidth), new ForwardBody<T> { X = pIn, Y = pOut, G = g });
    }

    /// <summary>gradInput = each output gradient divided by the window area, added over the windows that cover an element.</summary>
    public static void Backward<T>(ReadOnlySpan<T> gradOutput, Span<T> gradInput, in AvgPool2dGeometry geometry) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = geometry;
        CheckLength(gradOutput.Length, g.OutputLength, nameof(gradOutput));
        CheckLength(gradInput.Length, g.InputLength, nameof(gradInput));
        fixed (T* pGy = gradOutput) fixed (T* pGx = gradInput)
            Parallelism.For(g.Batch * g.Channels, (long)g.OutHeight * g.KernelH * (g.Width + g.OutWidth), new BackwardBody<T> { Gy = pGy, Gx = pGx, G = g });
    }

    private static void CheckLength(int actual, long required, string name)
    {
        if (actual != required)
            throw new ArgumentException($"Buffer {name} has {actual} elements but average pooling needs exactly {required}.", name);
    }

    private struct ForwardBody<T> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* X, Y;
        public AvgPool2dGeometry G;

        public readonly void Invoke(int plane)
        {
            var g = G;
            int paddedWidth = g.Width + 2 * g.PadW;
            T scale = T.One / T.CreateTruncating(g.KernelH * g.KernelW);
            T* x = X + (nint)plane * g.Height * g.Width;
            T* y = Y + (nint)plane * g.OutHeight * g.OutWidth;
            var rented = ArrayPool<T>.Shared.Rent(paddedWidth);
            var rowSum = rented.AsSpan(0, paddedWidth);
            var inner = rowSum.Slice(g.PadW, g.Width);
            for (int oh = 0; oh < g.OutHeight; oh++)
            {
                rowSum.Clear();
                int h0 = oh * g.StrideH - g.PadH;
                for (int ih = Math.Max(h0, 0), hEnd = Math.Min(h0 + g.KernelH, g.Height); ih < hEnd; ih++)
                    TensorPrimitives.Add(inner, new ReadOnlySpan<T>(x + (nint)ih * g.Width, g.Width), inner);
                for (int ow = 0; ow < g.OutWidth; ow++)
                {
                    T sum = T.Zero;
                    for (int j = ow * g.StrideW, end = j + g.KernelW; j < end; j++) sum += rowSum[j];
                    y[oh * g.OutWidth + ow] = sum * scale;
                }
            }
            ArrayPool<T>.Shared.Return(rented);
        }
    }

    private struct BackwardBody<T> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* Gy, Gx;
        public AvgPool2dGeometry G;

        public readonly void Invoke(int plane)
        {
            var g = G;
            int paddedWidth = g.Width + 2 * g.PadW;
            T scale = T.One / T.CreateTruncating(g.KernelH * g.KernelW);
            T* gx = Gx + (nint)plane * g.Height * g.Width;
            T* gy = Gy + (nint)plane * g.OutHeight * g.OutWidth;
            new Span<T>(gx, g.Height * g.Width).Clear();
            var rented = ArrayPool<T>.Shared.Rent(paddedWidth);
            var spread = rented.AsSpan(0, paddedWidth);
            var inner = spread.Slice(g.PadW, g.Width);
            // Sequential within the plane, so overlapping windows add in a fixed order.
            for (int oh = 0; oh < g.OutHeight; oh++)
            {
                spread.Clear();
                for (int ow = 0; ow < g.OutWidth; ow++)
                {
                    T v = gy[oh * g.OutWidth + ow] * scale;
                    for (int j = ow * g.StrideW, end = j + g.KernelW; j < end; j++) spread[j] += v;
                }
                int h0 = oh * g.StrideH - g.PadH;
                for (int ih = Math.Max(h0, 0), hEnd = Math.Min(h0 + g.KernelH, g.Height); ih < hEnd; ih++)
                {
                    var row = new Span<T>(gx + (nint)ih * g.Width, g.Width);
                    TensorPrimitives.Add(row, inner, row);
                }
            }
            ArrayPool<T>.Shared.Return(rented);
        }
    }
}
