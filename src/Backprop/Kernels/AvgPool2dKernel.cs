using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Backprop.Kernels;

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
    public static void Forward<T>(ReadOnlySpan<T> input, Span<T> output, in Pool2dGeometry geometry) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = geometry;
        CheckLength(input.Length, g.InputLength, nameof(input));
        CheckLength(output.Length, g.OutputLength, nameof(output));
        fixed (T* pIn = input) fixed (T* pOut = output)
            Parallelism.For(g.Batch * g.Channels, (long)g.OutHeight * g.KernelH * (g.Width + g.OutWidth), new ForwardBody<T> { X = pIn, Y = pOut, G = g });
    }

    /// <summary>gradInput = each output gradient divided by the window area, added over the windows that cover an element.</summary>
    public static void Backward<T>(ReadOnlySpan<T> gradOutput, Span<T> gradInput, in Pool2dGeometry geometry) where T : unmanaged, IFloatingPointIeee754<T>
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
        public Pool2dGeometry G;

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
        public Pool2dGeometry G;

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
