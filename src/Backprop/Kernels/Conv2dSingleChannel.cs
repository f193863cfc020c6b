using System.Buffers;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Kernels;

/// <summary>
/// Direct float convolution for a single input channel, stride 1, no dilation (a first layer over grey images:
/// 1 → 32 channels, 3×3): the forward and the weight and bias gradient, with AVX-512.
/// </summary>
/// <remarks>
/// <para>
/// With one input channel the GEMM's inner dimension is only kh·kw (9), too short to keep its micro-tiles busy. Here
/// the samples are copied once into zero-padded planes, so every tap of the kernel is a plain unaligned load at a fixed
/// offset, and each output row is 16 outputs per vector: for a vector of outputs, the kh·kw shifted input vectors are
/// loaded and multiplied by each output channel's broadcast weights. The last vector of a row overlaps the one before
/// (rows of at least 16 outputs): the forward rewrites equal values there, the weight gradient leaves the overlapped
/// lanes out of the sums.
/// </para>
/// <para>
/// Deterministic: the forward is split over samples (independent outputs); the weight gradient over output channels,
/// each channel's sums taken over the samples in order by one thread, so no result depends on the thread count.
/// </para>
/// </remarks>
internal static unsafe class Conv2dSingleChannel
{
    private const int Lanes = 16;

    /// <summary>Output channels per item of the 3×3 weight gradient: 8 planes of a sample are one sequential read.</summary>
    private const int ChannelBlock = 8;

    /// <summary>Whether this kernel runs the convolution <paramref name="g"/> for element type <typeparamref name="T"/>.</summary>
    public static bool Handles<T>(in Conv2dGeometry g) =>
        typeof(T) == typeof(float) && Avx512F.IsSupported && g.InChannels == 1 && g.StrideH == 1 && g.StrideW == 1
        && g.DilationH == 1 && g.DilationW == 1 && g.OutWidth >= Lanes && g.KernelH * g.KernelW <= 64;

    /// <summary>output[n, co] = bias[co] + Σ_{ki, kj} weight[co, ki, kj] · input[n, oh − pH + ki, ow − pW + kj]; bias may be null.</summary>
    public static void Forward(float* input, float* weight, float* bias, float* output, in Conv2dGeometry g) =>
        RunForward(input, new ForwardBody { W = weight, Bias = bias, Y = output, G = g });

    /// <summary>
    /// relu(max_pool2d(<see cref="Forward"/>)) over 2×2 windows of stride 2 and their arg-maxes (see
    /// <see cref="MaxPool2dKernel"/>), the rows pooled in pairs as they are computed, so the full-size output is never
    /// made. Bit-identical to the three steps.
    /// </summary>
    public static void ForwardReluMaxPool2x2(float* input, float* weight, float* bias, float* pooled, int* argMax, in Conv2dGeometry g) =>
        RunForward(input, new ForwardBody { W = weight, Bias = bias, G = g, Pooled = pooled, ArgMax = argMax });

    // Pads the samples once, then one work item per sample.
    private static void RunForward(float* input, ForwardBody body)
    {
        var g = body.G;
        var layout = new PaddedLayout(g);
        float[] padded = ArrayPool<float>.Shared.Rent(layout.Length);
        try
        {
            fixed (float* p = padded)
            {
                layout.Fill(input, p, g);
                body.Padded = p;
                body.Layout = layout;
                Parallelism.For(g.Batch, (long)g.WeightLength * g.OutPlane, body);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(padded);
        }
    }

    /// <summary>
    /// gradWeight[co, ki, kj] = Σ_{n, oh, ow} gradOutput[n, co, oh, ow] · input[n, oh − pH + ki, ow − pW + kj] and
    /// gradBias[co] = Σ gradOutput[n, co, ·, ·] (gradBias may be null), overwritten or added to.
    /// </summary>
    public static void WeightGradient(float* gradOutput, float* input, float* gradWeight, float* gradBias, in Conv2dGeometry g, bool accumulate)
    {
        var layout = new PaddedLayout(g);
        float[] padded = ArrayPool<float>.Shared.Rent(layout.Length);
        try
        {
            fixed (float* p = padded)
            {
                layout.Fill(input, p, g);
                var body = new WeightBody { Padded = p, Gy = gradOutput, Gw = gradWeight, Gb = gradBias, G = g, Layout = layout, Accumulate = accumulate };
                // 3×3: items are blocks of output channels (see WeightBody.Weight3x3); otherwise single channels.
                int items = g.KernelH == 3 && g.KernelW == 3 ? (g.OutChannels + ChannelBlock - 1) / ChannelBlock : g.OutChannels;
                int perItem = g.KernelH == 3 && g.KernelW == 3 ? ChannelBlock : 1;
                Parallelism.For(items, (long)perItem * g.Batch * g.OutPlane * g.KernelH * g.KernelW, body);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(padded);
        }
    }

    /// <summary>
    /// Each sample as a zero-padded plane of PaddedHeight rows of Stride floats (the width plus both paddings, and
    /// room for the overlapping last vector), so the input element a tap reads is always at a fixed offset.
    /// </summary>
    private readonly struct PaddedLayout
    {
        public readonly int Stride, Plane, Length;

        public PaddedLayout(in Conv2dGeometry g)
        {
            // Row oh's last vector starts at OutWidth − 16 and tap kj reads up to OutWidth − 1 + kj: inside Width + 2·PadW
            // whenever the output is valid. The extra row's worth at the end covers the last tap row's overread.
            Stride = g.Width + 2 * g.PadW;
            Plane = (g.Height + 2 * g.PadH) * Stride;
            Length = g.Batch * Plane + Stride + Lanes;
        }

        public void Fill(float* input, float* padded, in Conv2dGeometry g)
        {
            new Span<float>(padded, Length).Clear();
            for (int n = 0; n < g.Batch; n++)
                for (int h = 0; h < g.Height; h++)
                    new ReadOnlySpan<float>(input + ((nint)n * g.Height + h) * g.Width, g.Width)
                        .CopyTo(new Span<float>(padded + (nint)n * Plane + (nint)(h + g.PadH) * Stride + g.PadW, g.Width));
        }
    }

    private struct ForwardBody : IParallelBody
    {
        public float* Padded, W, Bias, Y;
        public Conv2dGeometry G;
        public PaddedLayout Layout;
        // Set for the pooled forward: outputs and arg-maxes of relu(max_pool2d(·, 2)), and no full-size Y.
        public float* Pooled;
        public int* ArgMax;

        public readonly void Invoke(int n)
        {
            var g = G;
            int taps = g.KernelH * g.KernelW, cout = g.OutChannels, p = g.OutPlane;
            int* offsets = stackalloc int[taps];
            for (int ki = 0, t = 0; ki < g.KernelH; ki++)
                for (int kj = 0; kj < g.KernelW; kj++, t++)
                    offsets[t] = ki * Layout.Stride + kj;
            var x = stackalloc Vector512<float>[taps];
            float* plane = Padded + (nint)n * Layout.Plane;
            if (Pooled != null)
            {
                PooledRows(n, plane, offsets, x);
                return;
            }
            float* y = Y + (nint)n * cout * p;
            for (int oh = 0; oh < g.OutHeight; oh++) Row(oh, plane, offsets, x, y + oh * g.OutWidth, p);
        }

        // Output row oh of every channel, channel co's at row + co·channelStride.
        private readonly void Row(int oh, float* plane, int* offsets, Vector512<float>* x, float* row, int channelStride)
        {
            var g = G;
            int taps = g.KernelH * g.KernelW, outW = g.OutWidth, cout = g.OutChannels;
            for (int ow = 0; ; ow += Lanes)
            {
                ow = Math.Min(ow, outW - Lanes);
                float* at = plane + (nint)oh * Layout.Stride + ow;
                float* w = W;
                float* dst = row + ow;
                if (taps == 9 && g.KernelW == 3)
                {
                    Forward3x3(at, Layout.Stride, w, Bias, dst, cout, channelStride);
                    if (ow + Lanes >= outW) break;
                    continue;
                }
                for (int t = 0; t < taps; t++) x[t] = Vector512.Load(at + offsets[t]);
                for (int co = 0; co < cout; co++, w += taps, dst += channelStride)
                {
                    var acc = Bias == null ? Vector512<float>.Zero : Vector512.Create(Bias[co]);
                    for (int t = 0; t < taps; t++) acc = Avx512F.FusedMultiplyAdd(x[t], Vector512.Create(w[t]), acc);
                    acc.Store(dst);
                }
                if (ow + Lanes >= outW) break;
            }
        }

        // The rows in pairs into a two-row scratch per channel, each pair pooled 2×2 into sample n's outputs at once
        // (arg-maxes shifted to the pair's place in the plane), then ReLU over them: the rows never reach memory.
        private readonly void PooledRows(int n, float* plane, int* offsets, Vector512<float>* x)
        {
            var g = G;
            int outW = g.OutWidth, cout = g.OutChannels, ph = g.OutHeight / 2, pw = outW / 2, outPlane = ph * pw;
            var scratch = ScratchBufferPool.Shared.Rent();
            float* pair = scratch.Get<float>(0, cout * 2 * outW);
            float* pooled = Pooled + (nint)n * cout * outPlane;
            int* argMax = ArgMax + (nint)n * cout * outPlane;
            for (int r = 0; r < ph; r++)
            {
                Row(2 * r, plane, offsets, x, pair, 2 * outW);
                Row(2 * r + 1, plane, offsets, x, pair + outW, 2 * outW);
                for (int co = 0; co < cout; co++)
                {
                    int* arg = argMax + (nint)co * outPlane + r * pw;
                    MaxPool2dKernel.Pool2x2Plane(pair + (nint)co * 2 * outW, outW, outW, pooled + (nint)co * outPlane + r * pw, arg, 1, pw);
                    var shifted = new Span<int>(arg, pw);
                    System.Numerics.Tensors.TensorPrimitives.Add(shifted, 2 * r * outW, shifted);
                }
            }
            ScratchBufferPool.Shared.Return(scratch);
            var sample = new Span<float>(pooled, cout * outPlane);
            new ReluFunction().Invoke<float>(sample, sample);
        }
    }

    /// <summary>The 3×3 kernel with its nine shifted input vectors held in registers across the output channels.</summary>
    private static void Forward3x3(float* at, int stride, float* w, float* bias, float* row, int cout, int p)
    {
        var (x0, x1, x2) = (Vector512.Load(at), Vector512.Load(at + 1), Vector512.Load(at + 2));
        at += stride;
        var (x3, x4, x5) = (Vector512.Load(at), Vector512.Load(at + 1), Vector512.Load(at + 2));
        at += stride;
        var (x6, x7, x8) = (Vector512.Load(at), Vector512.Load(at + 1), Vector512.Load(at + 2));
        for (int co = 0; co < cout; co++, w += 9, row += p)
        {
            var acc = bias == null ? Vector512<float>.Zero : Vector512.Create(bias[co]);
            acc = Avx512F.FusedMultiplyAdd(x0, Vector512.Create(w[0]), acc);
            acc = Avx512F.FusedMultiplyAdd(x1, Vector512.Create(w[1]), acc);
            acc = Avx512F.FusedMultiplyAdd(x2, Vector512.Create(w[2]), acc);
            acc = Avx512F.FusedMultiplyAdd(x3, Vector512.Create(w[3]), acc);
            acc = Avx512F.FusedMultiplyAdd(x4, Vector512.Create(w[4]), acc);
            acc = Avx512F.FusedMultiplyAdd(x5, Vector512.Create(w[5]), acc);
            acc = Avx512F.FusedMultiplyAdd(x6, Vector512.Create(w[6]), acc);
            acc = Avx512F.FusedMultiplyAdd(x7, Vector512.Create(w[7]), acc);
            acc = Avx512F.FusedMultiplyAdd(x8, Vector512.Create(w[8]), acc);
            acc.Store(row);
        }
    }

    private struct WeightBody : IParallelBody
    {
        public float* Padded, Gy, Gw, Gb;
        public Conv2dGeometry G;
        public PaddedLayout Layout;
        public bool Accumulate;

        public readonly void Invoke(int co)
        {
            var g = G;
            int taps = g.KernelH * g.KernelW, outW = g.OutWidth, p = g.OutPlane, cout = g.OutChannels;
            int* offsets = stackalloc int[taps];
            for (int ki = 0, t = 0; ki < g.KernelH; ki++)
                for (int kj = 0; kj < g.KernelW; kj++, t++)
                    offsets[t] = ki * Layout.Stride + kj;
            var acc = stackalloc Vector512<float>[taps];
            for (int t = 0; t < taps; t++) acc[t] = Vector512<float>.Zero;
            var accBias = Vector512<float>.Zero;
            // The last vector of a row starts at OutWidth − 16; of its lanes, those the previous vector already
            // covered are masked off, so each output enters the sums exactly once.
            int lastStart = outW - Lanes, full = outW / Lanes * Lanes;
            var lastMask = Vector512.GreaterThanOrEqual(Vector512<int>.Indices + Vector512.Create(lastStart), Vector512.Create(full)).AsSingle();
            if (taps == 9 && g.KernelW == 3)
            {
                int first = co * ChannelBlock, cos = Math.Min(ChannelBlock, cout - first);
                var sums = stackalloc Vector512<float>[ChannelBlock * 10];
                Weight3x3(first, cos, sums, lastStart, full, lastMask);
                return;
            }
            for (int n = 0; n < g.Batch; n++)
            {
                float* plane = Padded + (nint)n * Layout.Plane;
                float* gyPlane = Gy + ((nint)n * cout + co) * p;
                for (int oh = 0; oh < g.OutHeight; oh++)
                {
                    float* at = plane + (nint)oh * Layout.Stride;
                    float* gyRow = gyPlane + oh * outW;
                    for (int ow = 0; ow < full; ow += Lanes)
                    {
                        var gy = Vector512.Load(gyRow + ow);
                        accBias += gy;
                        for (int t = 0; t < taps; t++) acc[t] = Avx512F.FusedMultiplyAdd(gy, Vector512.Load(at + ow + offsets[t]), acc[t]);
                    }
                    if (full < outW)
                    {
                        var gy = Vector512.Load(gyRow + lastStart) & lastMask;
                        accBias += gy;
                        for (int t = 0; t < taps; t++) acc[t] = Avx512F.FusedMultiplyAdd(gy, Vector512.Load(at + lastStart + offsets[t]), acc[t]);
                    }
                }
            }
            Store(co, acc, accBias);
        }

        /// <summary>
        /// The 3×3 kernel's nine sums and the bias sum for a block of output channels. Samples are the outer loop, so
        /// each sample's block of gradient planes is read in one sequential run; a channel's ten sums stay in
        /// registers through its plane and wait in <paramref name="sums"/> between samples.
        /// </summary>
        private readonly void Weight3x3(int firstCo, int cos, Vector512<float>* sums, int lastStart, int full, Vector512<float> lastMask)
        {
            var g = G;
            int outW = g.OutWidth, p = g.OutPlane, stride = Layout.Stride;
            for (int i = 0; i < cos * 10; i++) sums[i] = Vector512<float>.Zero;
            for (int n = 0; n < g.Batch; n++)
            {
                float* plane = Padded + (nint)n * Layout.Plane;
                for (int c = 0; c < cos; c++)
                {
                    Vector512<float>* s = sums + c * 10;
                    var (a0, a1, a2, a3, a4, a5, a6, a7, a8, ab) = (s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9]);
                    float* gyPlane = Gy + ((nint)n * g.OutChannels + firstCo + c) * p;
                    for (int oh = 0; oh < g.OutHeight; oh++)
                    {
                        float* gyRow = gyPlane + oh * outW;
                        for (int ow = 0; ow < outW; ow += Lanes)
                        {
                            Vector512<float> gy;
                            if (ow < full) gy = Vector512.Load(gyRow + ow);
                            else
                            {
                                ow = lastStart;
                                gy = Vector512.Load(gyRow + ow) & lastMask;
                            }
                            ab += gy;
                            float* r = plane + (nint)oh * stride + ow;
                            a0 = Avx512F.FusedMultiplyAdd(gy, Vector512.Load(r), a0);
                            a1 = Avx512F.FusedMultiplyAdd(gy, Vector512.Load(r + 1), a1);
                            a2 = Avx512F.FusedMultiplyAdd(gy, Vector512.Load(r + 2), a2);
                            r += stride;
                            a3 = Avx512F.FusedMultiplyAdd(gy, Vector512.Load(r), a3);
                            a4 = Avx512F.FusedMultiplyAdd(gy, Vector512.Load(r + 1), a4);
                            a5 = Avx512F.FusedMultiplyAdd(gy, Vector512.Load(r + 2), a5);
                            r += stride;
                            a6 = Avx512F.FusedMultiplyAdd(gy, Vector512.Load(r), a6);
                            a7 = Avx512F.FusedMultiplyAdd(gy, Vector512.Load(r + 1), a7);
                            a8 = Avx512F.FusedMultiplyAdd(gy, Vector512.Load(r + 2), a8);
                        }
                    }
                    (s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9]) = (a0, a1, a2, a3, a4, a5, a6, a7, a8, ab);
                }
            }
            for (int c = 0; c < cos; c++) Store(firstCo + c, sums + c * 10, sums[c * 10 + 9]);
        }

        private readonly void Store(int co, Vector512<float>* acc, Vector512<float> accBias)
        {
            int taps = G.KernelH * G.KernelW;
            float* gw = Gw + (nint)co * taps;
            for (int t = 0; t < taps; t++)
                gw[t] = Vector512.Sum(acc[t]) + (Accumulate ? gw[t] : 0f);
            if (Gb != null)
                Gb[co] = Vector512.Sum(accBias) + (Accumulate ? Gb[co] : 0f);
        }
    }
}
