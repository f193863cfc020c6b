using System.Numerics;
using System.Numerics.Tensors;

namespace Backprop.Kernels;

/// <summary>
/// Unfolds NCHW images into a column matrix (im2col) and folds a column matrix back, accumulating (col2im), so a
/// convolution becomes one matrix product.
/// </summary>
/// <remarks>
/// Column matrix layout for the samples [first, first + count): <c>[K, count·P]</c> row-major, where
/// <c>K = InChannels·KernelH·KernelW</c> with row index <c>(c·KernelH + ki)·KernelW + kj</c>, and
/// <c>P = OutHeight·OutWidth</c> with column index <c>(n − first)·P + oh·OutWidth + ow</c>. Entry
/// <c>(row, col)</c> is <c>input[n, c, oh·StrideH − PadH + ki·DilationH, ow·StrideW − PadW + kj·DilationW]</c>,
/// or zero where that falls in the padding. With count = Batch one GEMM covers the whole batch.
/// </remarks>
internal static unsafe class Im2Col
{
    /// <summary>
    /// Writes the column matrix of samples [<paramref name="firstSample"/>, firstSample + <paramref name="sampleCount"/>)
    /// of <paramref name="input"/> (the whole batch, [Batch, InChannels, Height, Width]) into
    /// <paramref name="columns"/> (at least <c>K·sampleCount·P</c> elements; see the class remarks for the layout).
    /// </summary>
    /// <param name="input">The whole batch, [Batch, InChannels, Height, Width].</param>
    /// <param name="columns">Receives the [K, sampleCount·P] column matrix; must have exactly that many elements.</param>
    /// <param name="geometry">The convolution's shapes.</param>
    /// <param name="firstSample">First sample to unfold.</param>
    /// <param name="sampleCount">Number of samples; −1 means all samples from <paramref name="firstSample"/> on.</param>
    public static void ImageToColumns<T>(ReadOnlySpan<T> input, Span<T> columns, in Conv2dGeometry geometry,
        int firstSample = 0, int sampleCount = -1) where T : unmanaged, INumberBase<T>
    {
        int count = CheckRange(geometry, firstSample, sampleCount);
        Conv2dGeometry.CheckLength(input.Length, geometry.InputLength, nameof(input));
        Conv2dGeometry.CheckLength(columns.Length, (long)geometry.ColumnRows * count * geometry.OutPlane, nameof(columns));
        fixed (T* pIn = input)
        fixed (T* pCols = columns)
            Unfold(pIn, pCols, geometry, firstSample, count);
    }

    /// <summary>
    /// Adds the column matrix <paramref name="columns"/> (layout as produced by <see cref="ImageToColumns{T}(ReadOnlySpan{T}, Span{T}, in Conv2dGeometry, int, int)"/> for
    /// the same samples) back onto the image gradient <paramref name="gradInput"/> (the whole batch): every
    /// column entry is added to the input element it was copied from; padding entries are dropped.
    /// </summary>
    /// <param name="columns">A [K, sampleCount·P] column matrix (exactly that many elements).</param>
    /// <param name="gradInput">The whole batch's image gradient, [Batch, InChannels, Height, Width]; added to.</param>
    /// <param name="geometry">The convolution's shapes.</param>
    /// <param name="firstSample">First sample the columns belong to.</param>
    /// <param name="sampleCount">Number of samples; −1 means all samples from <paramref name="firstSample"/> on.</param>
    public static void ColumnsToImage<T>(ReadOnlySpan<T> columns, Span<T> gradInput, in Conv2dGeometry geometry,
        int firstSample = 0, int sampleCount = -1) where T : unmanaged, INumberBase<T>
    {
        int count = CheckRange(geometry, firstSample, sampleCount);
        Conv2dGeometry.CheckLength(gradInput.Length, geometry.InputLength, nameof(gradInput));
        Conv2dGeometry.CheckLength(columns.Length, (long)geometry.ColumnRows * count * geometry.OutPlane, nameof(columns));
        fixed (T* pCols = columns)
        fixed (T* pIn = gradInput)
            Fold(pCols, pIn, geometry, firstSample, count);
    }

    /// <summary>Pointer form of <see cref="ImageToColumns{T}(ReadOnlySpan{T}, Span{T}, in Conv2dGeometry, int, int)"/>, parallel over (sample, channel) blocks of rows.</summary>
    internal static void Unfold<T>(T* input, T* columns, in Conv2dGeometry g, int first, int count)
        where T : unmanaged, INumberBase<T>
    {
        var body = new Body<T> { Image = input, Columns = columns, G = g, First = first, Count = count };
        Parallelism.For(count * g.InChannels, (long)g.KernelH * g.KernelW * g.OutPlane, body);
    }

    /// <summary>Pointer form of <see cref="ColumnsToImage{T}(ReadOnlySpan{T}, Span{T}, in Conv2dGeometry, int, int)"/>, parallel over input planes (each is written by one item).</summary>
    internal static void Fold<T>(T* columns, T* gradInput, in Conv2dGeometry g, int first, int count)
        where T : unmanaged, INumberBase<T>
    {
        var body = new Body<T> { Image = gradInput, Columns = columns, G = g, First = first, Count = count, Fold = true };
        Parallelism.For(count * g.InChannels, (long)g.KernelH * g.KernelW * g.OutPlane, body);
    }

    private static int CheckRange(in Conv2dGeometry g, int first, int count)
    {
        if (count < 0)
            count = g.Batch - first;
        if (first < 0 || count < 0 || first + count > g.Batch)
            throw new ArgumentOutOfRangeException(nameof(first),
                $"Samples [{first}, {first + count}) are outside the batch of {g.Batch}.");
        return count;
    }

    /// <summary>
    /// Unfolds (or folds back) the rows of one (sample, channel) pair: sample <c>first + local</c>, channel c.
    /// </summary>
    internal static void UnfoldChannel<T>(T* image, T* columns, in Conv2dGeometry g, int first, int count, int local, int c)
        where T : unmanaged
    {
        int h = g.Height, w = g.Width, outH = g.OutHeight, outW = g.OutWidth;
        nint ld = (nint)count * g.OutPlane;
        T* plane = image + ((nint)(first + local) * g.InChannels + c) * h * w;
        for (int ki = 0; ki < g.KernelH; ki++)
        {
            for (int kj = 0; kj < g.KernelW; kj++)
            {
                int row = (c * g.KernelH + ki) * g.KernelW + kj;
                T* dst = columns + row * ld + (nint)local * g.OutPlane;
                // Input column of output column ow is ow·StrideW + colOffset; [owLo, owHi) is where it is inside.
                int colOffset = kj * g.DilationW - g.PadW;
                ValidRange(colOffset, g.StrideW, w, outW, out int owLo, out int owHi);
                for (int oh = 0; oh < outH; oh++, dst += outW)
                {
                    int ih = oh * g.StrideH - g.PadH + ki * g.DilationH;
                    if ((uint)ih >= (uint)h || owHi <= owLo)
                    {
                        new Span<T>(dst, outW).Clear();
                        continue;
                    }
                    T* src = plane + (nint)ih * w + colOffset;
                    new Span<T>(dst, owLo).Clear();
                    new Span<T>(dst + owHi, outW - owHi).Clear();
                    if (g.StrideW == 1)
                        new ReadOnlySpan<T>(src + owLo, owHi - owLo).CopyTo(new Span<T>(dst + owLo, owHi - owLo));
                    else
                        for (int ow = owLo; ow < owHi; ow++)
                            dst[ow] = src[(nint)ow * g.StrideW];
                }
            }
        }
    }

    /// <summary>The fold of <see cref="UnfoldChannel{T}"/>: adds the rows of (local, c) into input plane (first + local, c).</summary>
    internal static void FoldChannel<T>(T* image, T* columns, in Conv2dGeometry g, int first, int count, int local, int c)
        where T : unmanaged, INumberBase<T>
    {
        int h = g.Height, w = g.Width, outH = g.OutHeight, outW = g.OutWidth;
        nint ld = (nint)count * g.OutPlane;
        T* plane = image + ((nint)(first + local) * g.InChannels + c) * h * w;
        // Fixed order (ki, kj, oh, ow) of additions into each input element: results do not depend on threading.
        for (int ki = 0; ki < g.KernelH; ki++)
        {
            for (int kj = 0; kj < g.KernelW; kj++)
            {
                int row = (c * g.KernelH + ki) * g.KernelW + kj;
                T* src = columns + row * ld + (nint)local * g.OutPlane;
                int colOffset = kj * g.DilationW - g.PadW;
                ValidRange(colOffset, g.StrideW, w, outW, out int owLo, out int owHi);
                if (owHi <= owLo)
                    continue;
                for (int oh = 0; oh < outH; oh++, src += outW)
                {
                    int ih = oh * g.StrideH - g.PadH + ki * g.DilationH;
                    if ((uint)ih >= (uint)h)
                        continue;
                    T* dst = plane + (nint)ih * w + colOffset;
                    if (g.StrideW == 1)
                    {
                        var d = new Span<T>(dst + owLo, owHi - owLo);
                        TensorPrimitives.Add(d, new ReadOnlySpan<T>(src + owLo, owHi - owLo), d);
                    }
                    else
                    {
                        for (int ow = owLo; ow < owHi; ow++)
                            dst[(nint)ow * g.StrideW] += src[ow];
                    }
                }
            }
        }
    }

    /// <summary>Output columns ow in [lo, hi) whose input column ow·stride + offset lies in [0, width).</summary>
    private static void ValidRange(int offset, int stride, int width, int outWidth, out int lo, out int hi)
    {
        lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int lastInside = width - 1 - offset; // ow·stride must be ≤ this
        hi = lastInside < 0 ? 0 : Math.Min(outWidth, lastInside / stride + 1);
        lo = Math.Min(lo, outWidth);
    }

    private struct Body<T> : IParallelBody where T : unmanaged, INumberBase<T>
    {
        public T* Image, Columns;
        public Conv2dGeometry G;
        public int First, Count;
        public bool Fold;

        public readonly void Invoke(int index)
        {
            int local = index / G.InChannels, c = index % G.InChannels;
            if (Fold)
                FoldChannel(Image, Columns, G, First, Count, local, c);
            else
                UnfoldChannel(Image, Columns, G, First, Count, local, c);
        }
    }
}
