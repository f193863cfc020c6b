using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>
/// Stride-1 float convolutions on AVX-512 without an im2col matrix ("implicit GEMM"). Each sample is copied into a
/// zero-padded buffer [C, Hp, Wp]. When the output is computed Wp columns per row — the last Wp − OutWidth columns
/// of each row are junk that is never stored — the im2col row of (c, ki, kj) is the padded buffer itself, starting at
/// <c>c·Hp·Wp + ki·dH·Wp + kj·dW</c>. The forward and the input gradient (which is the forward convolution of the
/// padded output gradient with the flipped, transposed weight) run on <see cref="GemmShifted"/>, the weight gradient
/// on <see cref="GemmRowDot"/>. Work is split over samples (or fixed groups of samples), never over a sum, so
/// results are bit-identical for any thread count.
/// </summary>
/// <remarks>
/// The junk columns read real image values; in the weight gradient they meet zeros of the padded output gradient,
/// so a non-finite input value can turn into NaN there (0·∞) where im2col would have skipped it.
/// </remarks>
internal static unsafe class GemmShiftedConv2d
{
    /// <summary>
    /// True when this path can compute <paramref name="g"/> (the weight gradient then always takes it): float on
    /// AVX-512, stride 1, not pointwise (that needs no im2col anyway), padding that the transposed convolution can
    /// express, at most half the computed columns junk, and samples of a sane size.
    /// </summary>
    public static bool Handles<T>(in Conv2dGeometry g) =>
        typeof(T) == typeof(float) && Gemm.Isa == GemmIsa.Vector512 && g.StrideH == 1 && g.StrideW == 1 && !g.IsPointwise
        && g.PadH <= g.DilationH * (g.KernelH - 1) && g.PadW <= g.DilationW * (g.KernelW - 1)
        && 2 * g.OutWidth >= g.Width + 2 * g.PadW && g.Width >= g.DilationW * (g.KernelW - 1)
        && ScratchPerSample(g) <= MaxScratchPerSample;

    // Scratch per sample: the padded input and the Wp-wide output (or output gradient), each ≤ 4× the original.
    private static long ScratchPerSample(in Conv2dGeometry g) =>
        ((long)g.InChannels * (g.Height + 2 * g.PadH) + (long)g.OutChannels * g.OutHeight) * (g.Width + 2 * g.PadW) + 1024;

    /// <summary>Larger images (a quarter of a GB per sample) keep the im2col path, whose scratch is smaller.</summary>
    private const long MaxScratchPerSample = 1L << 26;

    /// <summary>
    /// Shortest contraction worth the shifted product for the forward and input gradient: with only a few taps (a
    /// first layer's 9) each micro-tile does little arithmetic per store, and im2col of so few rows is cheap.
    /// </summary>
    public const int MinDepth = 32;

    /// <summary>True when <see cref="Forward"/> should compute <paramref name="g"/>.</summary>
    public static bool HandlesForward<T>(in Conv2dGeometry g) => Handles<T>(g) && g.ColumnRows >= MinDepth;

    /// <summary>True when <see cref="BackwardInput"/> should compute <paramref name="g"/>.</summary>
    public static bool HandlesBackwardInput<T>(in Conv2dGeometry g) =>
        Handles<T>(g) && g.OutChannels * g.KernelH * g.KernelW >= MinDepth;

    /// <summary>y = conv(x, weight) + bias for the whole batch (see <see cref="Conv2dKernel.Forward{T}"/>).</summary>
    public static void Forward(float* x, float* weight, float* bias, float* y, in Conv2dGeometry g)
    {
        var plan = Plan.ForForward(g);
        Run(plan, x, weight, bias, y, g.Batch, accumulate: false);
    }

    /// <summary>
    /// relu(max_pool2d(conv(x, weight) + bias)) over 2×2 windows of stride 2, and each window's arg-max (see
    /// <see cref="MaxPool2dKernel"/>): every sample's convolution is pooled straight from the scratch it is computed in,
    /// so the full-size output is never written or read again. Bit-identical to the three steps one after the other.
    /// </summary>
    public static void ForwardReluMaxPool2x2(float* x, float* weight, float* bias, float* pooled, int* argMax, in Conv2dGeometry g) =>
        Run(Plan.ForForward(g), x, weight, bias, null, g.Batch, accumulate: false, pooled, argMax);

    /// <summary>gradInput (=, or += when accumulating) the transposed convolution of gradOutput with the weight.</summary>
    public static void BackwardInput(float* gradOutput, float* weight, float* gradInput, in Conv2dGeometry g, bool accumulate)
    {
        // gradInput[c, ih, iw] = Σ weight[co, c, ki, kj]·gradOutput[co, ih + pH − ki·dH, iw + pW − kj·dW]: a forward
        // convolution of gradOutput, padded by dilation·(kernel − 1) − pad, with W'[c, co, ki', kj'] = W[co, c, KH−1−ki', KW−1−kj'].
        int cin = g.InChannels, cout = g.OutChannels, kh = g.KernelH, kw = g.KernelW, taps = kh * kw;
        float[] flipped = ArrayPool<float>.Shared.Rent(g.WeightLength);
        try
        {
            fixed (float* w2 = flipped)
            {
                for (int co = 0; co < cout; co++)
                    for (int c = 0; c < cin; c++)
                        for (int t = 0; t < taps; t++)
                            w2[((nint)c * cout + co) * taps + t] = weight[((nint)co * cin + c) * taps + taps - 1 - t];
                Run(Plan.ForInputGradient(g), gradOutput, w2, null, gradInput, g.Batch, accumulate);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(flipped);
        }
    }

    /// <summary>
    /// partial[Cout, K] = Σ over samples [first, first + count) of gy_n · im2col(x_n)ᵀ. The samples go through
    /// <see cref="GemmRowDot"/> in runs small enough for their padded inputs and widened gradients to stay in L2;
    /// the run length depends only on the geometry, so the summation order does too.
    /// </summary>
    public static void WeightGradient(float* gradOutput, float* input, float* partial, in Conv2dGeometry g, int first, int count)
    {
        var plan = Plan.ForForward(g);
        int cout = g.OutChannels, len = plan.DotLength, padded = plan.BufferLength;
        int perSample = padded + cout * len;
        int run = Math.Clamp(L2Floats / perSample, 1, count);
        var scratch = ScratchBufferPool.Shared.Rent();
        try
        {
            float* buffer = scratch.Get<float>(0, run * perSample + plan.K + 16);
            // Rows of the output gradient are whole cache lines when the buffer is: their loads then never split.
            float* wideGy = Align64(buffer), padX = wideGy + (nint)run * cout * len;
            int* offsets = (int*)(padX + (nint)run * padded);
            plan.FillOffsets(offsets);
            for (int r0 = 0; r0 < count; r0 += run)
            {
                int samples = Math.Min(run, count - r0);
                for (int s = 0; s < samples; s++)
                {
                    int n = first + r0 + s;
                    plan.Pad(input + (nint)n * plan.ImageLength, padX + (nint)s * padded);
                    Widen(gradOutput + (nint)n * cout * g.OutPlane, wideGy + (nint)s * cout * len, plan);
                }
                GemmRowDot.Multiply(wideGy, len, (nint)cout * len, padX, offsets, padded, samples, len,
                    partial, plan.K, cout, plan.K, accumulate: r0 > 0);
            }
        }
        finally
        {
            ScratchBufferPool.Shared.Return(scratch);
        }
    }

    /// <summary>Floats of scratch one weight-gradient run may use: most of a 1 MB L2.</summary>
    private const int L2Floats = 192 * 1024;

    /// <summary>
    /// Lays one sample's output gradient [Co, Ho, Wo] out Wp columns per row ([Co, DotLength]), zero in the junk
    /// columns and the tail, so that the junk columns of the shifted input rows contribute nothing.
    /// </summary>
    private static void Widen(float* src, float* dst, in Plan plan)
    {
        int wo = plan.Wo, wp = plan.Wp, len = plan.DotLength;
        for (int co = 0; co < plan.Co; co++, dst += len)
        {
            float* row = dst;
            for (int oh = 0; oh < plan.Ho; oh++, src += wo, row += wp)
            {
                CopyRow(src, row, wo);
                new Span<float>(row + wo, wp - wo).Clear();
            }
            new Span<float>(row, len - plan.Ho * wp).Clear();
        }
    }

    /// <summary>Packs the weight once, then convolves every sample on its own (one work item per sample).</summary>
    private static void Run(in Plan plan, float* image, float* weight, float* bias, float* output, int batch, bool accumulate,
        float* pooled = null, int* argMax = null)
    {
        int packedLength = GemmShifted.PackedLength(plan.Co, plan.K);
        float[] shared = ArrayPool<float>.Shared.Rent(packedLength + plan.K);
        try
        {
            fixed (float* pShared = shared)
            {
                int* offsets = (int*)(pShared + packedLength);
                GemmShifted.PackA(weight, pShared, plan.Co, plan.K);
                plan.FillOffsets(offsets);
                var body = new SampleBody
                {
                    Plan = plan, Image = image, PackedWeight = pShared, Offsets = offsets, Bias = bias, Output = output,
                    Accumulate = accumulate, Pooled = pooled, ArgMax = argMax,
                };
                Parallelism.For(batch, (long)plan.Co * plan.K * plan.TileColumns, body);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(shared);
        }
    }

    private struct SampleBody : IParallelBody
    {
        public Plan Plan;
        public float* Image, PackedWeight, Bias, Output;
        public int* Offsets;
        public bool Accumulate;
        // Set for the pooled forward: outputs and arg-maxes of relu(max_pool2d(·, 2)), and no full-size Output.
        public float* Pooled;
        public int* ArgMax;

        public readonly void Invoke(int n)
        {
            var plan = Plan;
            int ldc = plan.TileColumns, rows = GemmShifted.PackedLength(plan.Co, 1);
            var scratch = ScratchBufferPool.Shared.Rent();
            float* buffer = scratch.Get<float>(0, plan.BufferLength + rows * ldc + 16);
            // Aligned, so the micro-kernel's loads and stores of C never split a cache line.
            float* wide = Align64(buffer), padded = wide + (nint)rows * ldc;
            plan.Pad(Image + (nint)n * plan.ImageLength, padded);
            GemmShifted.Multiply(PackedWeight, plan.Co, plan.K, padded, Offsets, wide, ldc, ldc);
            if (Pooled != null)
            {
                PoolSample(plan, wide, ldc, n);
                ScratchBufferPool.Shared.Return(scratch);
                return;
            }
            // Keep the first Wo of every Wp computed columns; add the bias (or the existing gradient) on the way.
            float* y = Output + (nint)n * plan.Co * plan.Ho * plan.Wo;
            for (int co = 0; co < plan.Co; co++)
            {
                for (int oh = 0; oh < plan.Ho; oh++)
                {
                    float* src = wide + (nint)co * ldc + oh * plan.Wp, dst = y + ((nint)co * plan.Ho + oh) * plan.Wo;
                    if (Accumulate)
                    {
                        var d = new Span<float>(dst, plan.Wo);
                        TensorPrimitives.Add(d, new ReadOnlySpan<float>(src, plan.Wo), d);
                    }
                    else if (Bias != null)
                    {
                        StoreRow(src, dst, plan.Wo, Bias[co]);
                    }
                    else
                    {
                        CopyRow(src, dst, plan.Wo);
                    }
                }
            }
            ScratchBufferPool.Shared.Return(scratch);
        }

        // Sample n's channels, Wp-wide in the scratch: the bias added in place (the same sum the full-size output
        // would hold), each plane pooled 2×2 into the sample's outputs, then ReLU over them.
        private readonly void PoolSample(in Plan plan, float* wide, int ldc, int n)
        {
            int ph = plan.Ho / 2, pw = plan.Wo / 2;
            if (Bias != null)
                for (int co = 0; co < plan.Co; co++)
                {
                    var rows = new Span<float>(wide + (nint)co * ldc, 2 * ph * plan.Wp);
                    TensorPrimitives.Add(rows, Bias[co], rows);
                }
            nint first = (nint)n * plan.Co * ph * pw;
            MaxPool2dKernel.PoolRelu2x2Sample(wide, ldc, plan.Wp, plan.Wo, plan.Co, Pooled + first, ArgMax + first, ph, pw);
        }
    }

    /// <summary>
    /// Copies a short image row (tens of floats) with two overlapping vectors instead of a call to memmove, whose
    /// fixed cost dominates at these lengths; reads and writes stay within the row.
    /// </summary>
    private static void CopyRow(float* src, float* dst, int count)
    {
        if (count >= 16 && count <= 32)
        {
            Vector512.Load(src).Store(dst);
            Vector512.Load(src + count - 16).Store(dst + count - 16);
        }
        else if (count >= 8 && count < 16)
        {
            Vector256.Load(src).Store(dst);
            Vector256.Load(src + count - 8).Store(dst + count - 8);
        }
        else
        {
            new ReadOnlySpan<float>(src, count).CopyTo(new Span<float>(dst, count));
        }
    }

    /// <summary>dst = src + bias over a short row; like <see cref="CopyRow"/>, overlapping vectors recompute equal values.</summary>
    private static void StoreRow(float* src, float* dst, int count, float bias)
    {
        if (count >= 16 && count <= 32)
        {
            var b = Vector512.Create(bias);
            (Vector512.Load(src) + b).Store(dst);
            (Vector512.Load(src + count - 16) + b).Store(dst + count - 16);
        }
        else if (count >= 8 && count < 16)
        {
            var b = Vector256.Create(bias);
            (Vector256.Load(src) + b).Store(dst);
            (Vector256.Load(src + count - 8) + b).Store(dst + count - 8);
        }
        else
        {
            TensorPrimitives.Add(new ReadOnlySpan<float>(src, count), bias, new Span<float>(dst, count));
        }
    }

    private static float* Align64(float* p) => (float*)(((nint)p + 63) & ~(nint)63);

    /// <summary>
    /// One stride-1 convolution as a shifted GEMM: a Ci×Hi×Wi image padded by (PadH, PadW) into Hp×Wp planes,
    /// a Kh×Kw kernel dilated by (Dh, Dw), and Co output channels of Ho×Wo (computed Wp wide).
    /// </summary>
    private readonly struct Plan
    {
        public int Ci { get; init; }
        public int Hi { get; init; }
        public int Wi { get; init; }
        public int PadH { get; init; }
        public int PadW { get; init; }
        public int Kh { get; init; }
        public int Kw { get; init; }
        public int Dh { get; init; }
        public int Dw { get; init; }
        public int Co { get; init; }

        public int Hp => Hi + 2 * PadH;
        public int Wp => Wi + 2 * PadW;
        public int Ho => Hp - Dh * (Kh - 1);
        public int Wo => Wp - Dw * (Kw - 1);
        public int Plane => Hp * Wp;
        public int K => Ci * Kh * Kw;
        public int ImageLength => Ci * Hi * Wi;
        /// <summary>Computed output columns, Ho·Wp, rounded up to whole GemmShifted tiles.</summary>
        public int TileColumns => RoundUp(Ho * Wp, GemmShifted.NR);
        /// <summary>Contraction length of the weight gradient, Ho·Wp rounded up to whole vectors.</summary>
        public int DotLength => RoundUp(Ho * Wp, 16);
        /// <summary>
        /// The padded image plus a zeroed tail: a B row starting at the last tap's offset is read for TileColumns
        /// (≥ DotLength) floats, up to (Kw − 1)·Dw + TileColumns − Ho·Wp past the last plane.
        /// </summary>
        public int BufferLength => Ci * Plane + Dw * (Kw - 1) + TileColumns - Ho * Wp;

        public static Plan ForForward(in Conv2dGeometry g) => new()
        {
            Ci = g.InChannels, Hi = g.Height, Wi = g.Width, PadH = g.PadH, PadW = g.PadW,
            Kh = g.KernelH, Kw = g.KernelW, Dh = g.DilationH, Dw = g.DilationW, Co = g.OutChannels,
        };

        public static Plan ForInputGradient(in Conv2dGeometry g) => new()
        {
            Ci = g.OutChannels, Hi = g.OutHeight, Wi = g.OutWidth,
            PadH = g.DilationH * (g.KernelH - 1) - g.PadH, PadW = g.DilationW * (g.KernelW - 1) - g.PadW,
            Kh = g.KernelH, Kw = g.KernelW, Dh = g.DilationH, Dw = g.DilationW, Co = g.InChannels,
        };

        /// <summary>offsets[(c·Kh + ki)·Kw + kj] = where the B row of that tap starts in the padded buffer.</summary>
        public void FillOffsets(int* offsets)
        {
            for (int c = 0; c < Ci; c++)
                for (int ki = 0; ki < Kh; ki++)
                    for (int kj = 0; kj < Kw; kj++)
                        offsets[(c * Kh + ki) * Kw + kj] = c * Plane + ki * Dh * Wp + kj * Dw;
        }

        /// <summary>Copies one Ci×Hi×Wi image into the middle of a zeroed BufferLength-float padded buffer.</summary>
        public void Pad(float* image, float* padded)
        {
            // Every element is written once: the zero border around each row, the rows, and the zeroed tail.
            int wp = Wp, wi = Wi;
            float* dst = padded;
            for (int c = 0; c < Ci; c++)
            {
                new Span<float>(dst, PadH * wp + PadW).Clear();
                dst += PadH * wp + PadW;
                for (int r = 0; r < Hi; r++, image += wi, dst += wp)
                {
                    CopyRow(image, dst, wi);
                    // The right border of this row and the left border of the next are adjacent.
                    new Span<float>(dst + wi, wp - wi).Clear();
                }
                dst -= PadW;
                new Span<float>(dst, PadH * wp).Clear();
                dst += PadH * wp;
            }
            new Span<float>(dst, BufferLength - Ci * Plane).Clear();
        }

        private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
    }
}
