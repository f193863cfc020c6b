using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Kernels;

/// <summary>
/// 3×3 stride-1 float convolutions with padding 1 by Winograd's minimal filtering F(2×2, 3×3) (Lavin and Gray, "Fast
/// Algorithms for Convolutional Neural Networks", 2016). Each 2×2 block of outputs comes from the 4×4 block of the
/// input around it: the block and the filter are transformed (V = Bᵀ·d·B, U = G·g·Gᵀ), multiplied element by element
/// and summed over the input channels — 16 independent products [tiles × Cin]·[Cin × Cout], one per element of the
/// 4×4 transforms, run on the GEMM's micro-kernel — and transformed back (Y = Aᵀ·M·A). That is 16 multiply-adds per
/// input channel and 2×2 outputs instead of 36: 2.25 times fewer.
/// </summary>
/// <remarks>
/// Channels are the vectors' lanes: each sample is first laid out channel-last with a zero border, so every transform
/// is a few vector additions per tile, and the tiles' transforms lie channel-contiguous as the micro-kernel reads A.
/// Work is split over samples, so results are bit-identical for any thread count. They differ from the direct sum by
/// rounding only: the transforms add and subtract inputs (and halve filter taps, exactly) before multiplying, so the
/// error is within float's precision of the terms' magnitude, as for any reordering of the sum.
/// </remarks>
internal static unsafe class WinogradConv2d
{
    private const int Lanes = 16;           // floats per Vector512
    private const int Nr = 32;              // columns of the micro-kernel's tile (two vectors)
    private const int Mr = 12;              // rows of the micro-kernel's tile

    /// <summary>
    /// Channels below which the direct paths stay: with few channels the transforms and layout changes, which are per
    /// channel and tile, outweigh the saved multiply-adds (the benchmark CNN's first layer has one input channel).
    /// </summary>
    private const int MinChannels = 16;

    /// <summary>Floats of scratch one sample may use: its buffers stay in a 1 MB L2.</summary>
    private const long MaxScratchPerSample = 192 * 1024;

    /// <summary>
    /// True when this path computes the convolution of <paramref name="g"/>: float on AVX-512, a 3×3 kernel of stride 1,
    /// padding 1 and dilation 1, at least <see cref="MinChannels"/> channels each way, and samples small enough for
    /// their scratch to stay in L2.
    /// </summary>
    public static bool Handles<T>(in Conv2dGeometry g) =>
        typeof(T) == typeof(float) && Gemm.Isa == GemmIsa.Vector512
        && g.KernelH == 3 && g.KernelW == 3 && g.StrideH == 1 && g.StrideW == 1 && g.PadH == 1 && g.PadW == 1
        && g.DilationH == 1 && g.DilationW == 1
        && g.InChannels >= MinChannels && g.OutChannels >= MinChannels
        && new Plan(g.InChannels, g.OutChannels, g.Height, g.Width) is var plan
        && plan.ScratchLength <= MaxScratchPerSample && plan.WeightGradientScratchLength <= MaxScratchPerSample
        && new Plan(g.OutChannels, g.InChannels, g.Height, g.Width).ScratchLength <= MaxScratchPerSample;

    /// <summary>y = conv(x, weight) + bias for the whole batch (see <see cref="Conv2dKernel.Forward{T}"/>).</summary>
    public static void Forward(float* x, float* weight, float* bias, float* y, in Conv2dGeometry g) =>
        Run(new Plan(g.InChannels, g.OutChannels, g.Height, g.Width), x, weight, flipped: false, bias, y, g.Batch, accumulate: false);

    /// <summary>
    /// relu(max_pool2d(conv(x, weight) + bias)) over 2×2 windows of stride 2, and each window's arg-max (see
    /// <see cref="MaxPool2dKernel"/>): each sample's convolution is pooled from the scratch it is stored in, so the
    /// full-size output is never written to memory the caller sees. Bit-identical to <see cref="Forward"/>, then the pooling and ReLU.
    /// </summary>
    public static void ForwardReluMaxPool2x2(float* x, float* weight, float* bias, float* pooled, int* argMax, in Conv2dGeometry g) =>
        Run(new Plan(g.InChannels, g.OutChannels, g.Height, g.Width), x, weight, flipped: false, bias, null, g.Batch, accumulate: false, pooled, argMax);

    /// <summary>
    /// partial[Cout, Cin·9] = Σ over samples [first, first + count) of the weight gradient, in sample order: with the
    /// forward written as Y = Aᵀ·(Σ_c U ⊙ V)·A per tile and U = G·g·Gᵀ, the gradient of U is Σ_tiles Z ⊙ V with
    /// Z = A·gy·Aᵀ (the tile's 2×2 output gradient spread over 4×4), 16 products [Cin × tiles]·[tiles × Cout], and
    /// the filter's gradient is Gᵀ·(that)·G. The caller's grouping of samples fixes the summation order. With
    /// <paramref name="pooledArgMax"/>, <paramref name="gradOutput"/> is a pooled gradient (see <see cref="UnpoolChannelLast"/>).
    /// </summary>
    public static void WeightGradient(float* gradOutput, int* pooledArgMax, float* input, float* partial, in Conv2dGeometry g, int first, int count)
    {
        var plan = new Plan(g.InChannels, g.OutChannels, g.Height, g.Width);
        int plane = plan.Height * plan.Width;
        var scratch = ScratchBufferPool.Shared.Rent();
        float* padded = scratch.Get<float>(0, (int)plan.WeightGradientScratchLength);
        float* v = padded + plan.PaddedLength, gy = v + plan.InputTransformLength, z = gy + plan.GradientLength;
        float* sums = z + plan.GradientTransformLength, staging = sums + plan.FilterGradientLength;
        for (int n = first; n < first + count; n++)
        {
            LayOutChannelLast(plan, input + (nint)n * plan.InChannels * plane, padded);
            TransformInput(plan, padded, v);
            LayOutGradient(gradOutput, pooledArgMax, n, plan.OutChannels, plan.Height, plan.Width,
                gy, plan.GradientLength, 2 * plan.TilesAcross, plan.OutPadded, border: 0, staging);
            TransformGradient(plan, gy, z);
            MultiplyTransposed(plan, v, z, sums, accumulate: n > first);
        }
        TransformBackToFilter(plan, sums, partial);
        ScratchBufferPool.Shared.Return(scratch);
    }

    /// <summary>
    /// gradInput (=, or += when accumulating) the transposed convolution of gradOutput with the weight: for a 3×3
    /// kernel of stride 1 and padding 1 it is the forward convolution of gradOutput, padded by 1, with
    /// W'[c, co, ki, kj] = W[co, c, 2 − ki, 2 − kj]. With <paramref name="pooledArgMax"/>, <paramref name="gradOutput"/>
    /// is a pooled gradient (see <see cref="UnpoolChannelLast"/>).
    /// </summary>
    public static void BackwardInput(float* gradOutput, int* pooledArgMax, float* weight, float* gradInput, in Conv2dGeometry g, bool accumulate)
    {
        var plan = new Plan(g.OutChannels, g.InChannels, g.Height, g.Width);
        Run(plan, gradOutput, weight, flipped: true, bias: null, gradInput, g.Batch, accumulate, inputArgMax: pooledArgMax);
    }

    /// <summary>Transforms the filter once, then convolves every sample on its own (one work item per sample).</summary>
    private static void Run(in Plan plan, float* input, float* weight, bool flipped, float* bias, float* output, int batch, bool accumulate,
        float* pooled = null, int* argMax = null, int* inputArgMax = null)
    {
        var shared = ScratchBufferPool.Shared.Rent();
        float* u = shared.Get<float>(0, plan.FilterLength);
        TransformFilter(plan, weight, flipped, u);
        var body = new SampleBody
        {
            Plan = plan, Input = input, InputArgMax = inputArgMax, Filter = u, Bias = bias, Output = output, Accumulate = accumulate,
            Pooled = pooled, ArgMax = argMax,
        };
        Parallelism.For(batch, 16L * plan.Tiles * plan.InChannels * plan.OutChannels, body);
        ScratchBufferPool.Shared.Return(shared);
    }

    /// <summary>
    /// The sizes of one convolution (as computed: input channels in, output channels out, the same height and width
    /// both sides) and the layout of its buffers.
    /// </summary>
    private readonly struct Plan
    {
        public readonly int InChannels, OutChannels, Height, Width;
        // Channels rounded up to whole vectors (input) and whole micro-tile widths (output).
        public readonly int InPadded, OutPadded;
        // Tiles of 2×2 outputs down and across, their count, and that count rounded up to 4 rows (the micro-kernel's
        // pieces read four rows of A).
        public readonly int TilesDown, TilesAcross, Tiles, TileRows;
        // The channel-last input with its zero border: (2·TilesDown + 2) rows of (2·TilesAcross + 2) pixels.
        public readonly int PaddedWidth, PaddedLength;

        public Plan(int inChannels, int outChannels, int height, int width)
        {
            (InChannels, OutChannels, Height, Width) = (inChannels, outChannels, height, width);
            InPadded = (inChannels + Lanes - 1) / Lanes * Lanes;
            OutPadded = (outChannels + Nr - 1) / Nr * Nr;
            TilesDown = (height + 1) / 2;
            TilesAcross = (width + 1) / 2;
            Tiles = TilesDown * TilesAcross;
            TileRows = (Tiles + 3) / 4 * 4;
            PaddedWidth = 2 * TilesAcross + 2;
            PaddedLength = (2 * TilesDown + 2) * PaddedWidth * InPadded;
        }

        /// <summary>U: for each of the 16 transform elements, the Cin×Cout filter in the micro-kernel's slivers of B.</summary>
        public int FilterLength => 16 * OutPadded * InChannels;

        public int InputTransformLength => 16 * TileRows * InPadded;

        public int ProductLength => 16 * TileRows * OutPadded;

        /// <summary>The channel-last output, Height·Width pixels of OutPadded channels.</summary>
        public int OutputLength => Height * Width * OutPadded;

        /// <summary>One sample's output in its own layout, for the pooled forward.</summary>
        public int SampleLength => OutChannels * Height * Width;

        /// <summary>A sample's output gradient channel-last, (2·TilesDown)×(2·TilesAcross) pixels, zero past an odd edge.</summary>
        public int GradientLength => 4 * TilesDown * TilesAcross * OutPadded;

        /// <summary>Z for every tile, in the micro-kernel's slivers of B: element ξ's sliver s, tile t at ((ξ·slivers + s)·Tiles + t)·32.</summary>
        public int GradientTransformLength => 16 * Tiles * OutPadded;

        /// <summary>The 16 sums Σ Z ⊙ V, [ξ][Cin][OutPadded].</summary>
        public int FilterGradientLength => 16 * InChannels * OutPadded;

        /// <summary>A pooled gradient's values and arg-maxes channel-last, while it is unpooled (see <see cref="UnpoolChannelLast"/>).</summary>
        public int StagingLength => 2 * (Height / 2) * (Width / 2) * Math.Max(InPadded, OutPadded);

        public long WeightGradientScratchLength =>
            (long)PaddedLength + InputTransformLength + GradientLength + GradientTransformLength + FilterGradientLength + StagingLength;

        public long ScratchLength => (long)PaddedLength + InputTransformLength + ProductLength + OutputLength + SampleLength + StagingLength;
    }

    /// <summary>
    /// U = G·g·Gᵀ for every pair of channels, computed in double and rounded once, laid out for the micro-kernel:
    /// element ξ's sliver s holds U[ξ][ci][s·32 + j] at ((ξ·slivers + s)·Cin + ci)·32 + j, zero past the last channel.
    /// G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]. With <paramref name="flipped"/> the filter of (out co, in ci) is
    /// weight[ci, co] turned by 180° (the input gradient's); else weight[co, ci].
    /// </summary>
    private static void TransformFilter(in Plan plan, float* weight, bool flipped, float* u)
    {
        int cin = plan.InChannels, cout = plan.OutChannels, slivers = plan.OutPadded / Nr;
        new Span<float>(u, plan.FilterLength).Clear();
        Span<double> gg = stackalloc double[12];
        for (int co = 0; co < cout; co++)
        {
            for (int ci = 0; ci < cin; ci++)
            {
                float* w = flipped ? weight + ((nint)ci * cout + co) * 9 : weight + ((nint)co * cin + ci) * 9;
                // G·g: four rows of three.
                for (int kj = 0; kj < 3; kj++)
                {
                    double g0 = Tap(w, 0, kj, flipped), g1 = Tap(w, 1, kj, flipped), g2 = Tap(w, 2, kj, flipped);
                    gg[kj] = g0;
                    gg[3 + kj] = 0.5 * (g0 + g1 + g2);
                    gg[6 + kj] = 0.5 * (g0 - g1 + g2);
                    gg[9 + kj] = g2;
                }
                int s = co / Nr, j = co % Nr;
                for (int i = 0; i < 4; i++)
                {
                    double a0 = gg[3 * i], a1 = gg[3 * i + 1], a2 = gg[3 * i + 2];
                    ReadOnlySpan<double> row = [a0, 0.5 * (a0 + a1 + a2), 0.5 * (a0 - a1 + a2), a2];
                    for (int k = 0; k < 4; k++)
                        u[(((nint)(i * 4 + k) * slivers + s) * cin + ci) * Nr + j] = (float)row[k];
                }
            }
        }
    }

    // Tap (ki, kj) of a filter, or of the filter turned by 180°.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Tap(float* w, int ki, int kj, bool flipped) => flipped ? w[(2 - ki) * 3 + 2 - kj] : w[ki * 3 + kj];

    private struct SampleBody : IParallelBody
    {
        public Plan Plan;
        public float* Input, Filter, Bias, Output;
        // Set when Input is a pooled gradient (the input gradient behind relu(max_pool2d(·, 2))): its arg-maxes.
        public int* InputArgMax;
        public bool Accumulate;
        // Set for the pooled forward: outputs and arg-maxes of relu(max_pool2d(·, 2)), and no full-size Output.
        public float* Pooled;
        public int* ArgMax;

        public readonly void Invoke(int n)
        {
            var plan = Plan;
            var scratch = ScratchBufferPool.Shared.Rent();
            float* padded = scratch.Get<float>(0, (int)plan.ScratchLength);
            float* v = padded + plan.PaddedLength, m = v + plan.InputTransformLength, y = m + plan.ProductLength;
            float* sample = y + plan.OutputLength, staging = sample + plan.SampleLength;
            int plane = plan.Height * plan.Width;
            LayOutGradient(Input, InputArgMax, n, plan.InChannels, plan.Height, plan.Width, padded, plan.PaddedLength, plan.PaddedWidth,
                plan.InPadded, border: 1, staging);
            TransformInput(plan, padded, v);
            Multiply(plan, v, Filter, m);
            TransformOutput(plan, m, y);
            if (Pooled == null)
            {
                StoreChannelFirst(plan, y, Output + (nint)n * plan.OutChannels * plane, Bias, Accumulate);
            }
            else
            {
                // The values Forward would store, pooled plane by plane, then ReLU over the pooled ones.
                StoreChannelFirst(plan, y, sample, Bias, accumulate: false);
                int ph = plan.Height / 2, pw = plan.Width / 2;
                nint first = (nint)n * plan.OutChannels * ph * pw;
                MaxPool2dKernel.PoolRelu2x2Sample(sample, plane, plan.Width, plan.Width, plan.OutChannels, Pooled + first, ArgMax + first, ph, pw);
            }
            ScratchBufferPool.Shared.Return(scratch);
        }
    }

    /// <summary>padded[r, q, c] = x[c, r − 1, q − 1] inside the image, 0 on the border, past the last row or column of
    /// an odd size, and in the padding channels.</summary>
    private static void LayOutChannelLast(in Plan plan, float* x, float* padded) =>
        LayOutChannelLast(x, plan.InChannels, plan.Height, plan.Width, padded, plan.PaddedLength, plan.PaddedWidth, plan.InPadded, border: 1);

    /// <summary>
    /// dst[r + border, q + border, c] = src[c, r, q] for a [channels, h, w] plane stack, into a zeroed channel-last
    /// buffer of <paramref name="length"/> floats, <paramref name="dstWidth"/> pixels of <paramref name="dstChannels"/> a row.
    /// </summary>
    private static void LayOutChannelLast(float* src, int channels, int h, int w, float* dst, int length, int dstWidth, int dstChannels, int border)
    {
        new Span<float>(dst, length).Clear();
        int plane = h * w, whole = channels / 4 * 4;
        // 4 channels × 4 pixels of a row at a time, transposed in registers, so each store writes 4 channels of a pixel
        // (element by element, the strided stores cost 3.5 cycles each on the Zen 4 host). A row's last block may
        // overlap the one before it, and then writes the same values again.
        for (int r = 0; r < h; r++)
        {
            float* dstRow = dst + ((nint)(r + border) * dstWidth + border) * dstChannels;
            for (int c = 0; c < whole; c += 4)
            {
                float* s0 = src + (nint)c * plane + r * w;
                if (w < 4)
                {
                    for (int q = 0; q < w; q++)
                        for (int k = 0; k < 4; k++)
                            dstRow[(nint)q * dstChannels + c + k] = s0[k * plane + q];
                    continue;
                }
                for (int q = 0; ; q += 4)
                {
                    q = Math.Min(q, w - 4);
                    Transpose4x4(Vector128.Load(s0 + q), Vector128.Load(s0 + plane + q), Vector128.Load(s0 + 2 * plane + q),
                        Vector128.Load(s0 + 3 * plane + q), out var p0, out var p1, out var p2, out var p3);
                    float* d = dstRow + (nint)q * dstChannels + c;
                    p0.Store(d);
                    p1.Store(d + dstChannels);
                    p2.Store(d + 2 * dstChannels);
                    p3.Store(d + 3 * dstChannels);
                    if (q == w - 4) break;
                }
            }
            for (int c = whole; c < channels; c++)
                for (int q = 0; q < w; q++)
                    dstRow[(nint)q * dstChannels + c] = src[(nint)c * plane + r * w + q];
        }
    }

    /// <summary>
    /// <see cref="LayOutChannelLast(float*, int, int, int, float*, int, int, int, int)"/> of sample n of
    /// <paramref name="src"/> [N, channels, h, w], or with <paramref name="pooledArgMax"/> of the pooled gradient it stands for.
    /// </summary>
    private static void LayOutGradient(float* src, int* pooledArgMax, int n, int channels, int h, int w, float* dst, int length,
        int dstWidth, int dstChannels, int border, float* staging)
    {
        if (pooledArgMax == null)
            LayOutChannelLast(src + (nint)n * channels * h * w, channels, h, w, dst, length, dstWidth, dstChannels, border);
        else
        {
            nint pooled = (nint)n * channels * (h / 2) * (w / 2);
            UnpoolChannelLast(src + pooled, pooledArgMax + pooled, channels, h, w, dst, length, dstWidth, dstChannels, border, staging);
        }
    }

    /// <summary>
    /// The channel-last layout of the output gradient behind relu(max_pool2d(·, 2)) of one sample, made straight from
    /// the gradient at the pooled outputs: <paramref name="pooled"/> [channels, h/2, w/2] (ReLU's mask applied) and
    /// the arg-maxes, in-plane indices of an [h, w] output, each in its own 2×2 window (as a 2×2 pooling of stride 2
    /// makes them). Every element is 0 but where an arg-max points, which holds 0 + the pooled gradient, as
    /// max_pool2d's backward adds it; so the full-size gradient is never made.
    /// </summary>
    /// <remarks>
    /// The values and arg-maxes are first laid out channel-last in <paramref name="staging"/>
    /// (<see cref="Plan.StagingLength"/>), so each window's four pixels are written whole, a vector of channels at a
    /// time, instead of one scattered store per element, each into another cache line of the channel-last buffer
    /// (the benchmark CNN's conv2, 64 channels of 14×14, both gradients on two threads: 3.35–3.57 → 3.25–3.28 ms).
    /// </remarks>
    private static void UnpoolChannelLast(float* pooled, int* argMax, int channels, int h, int w, float* dst, int length,
        int dstWidth, int dstChannels, int border, float* staging)
    {
        int ph = h / 2, pw = w / 2, windows = ph * pw, cp = (channels + Lanes - 1) / Lanes * Lanes;
        float* values = staging;
        int* targets = (int*)(staging + (nint)windows * cp);
        // The arg-maxes move as bit patterns: the layout only copies and shuffles. Its padding channels are 0.
        LayOutChannelLast(pooled, channels, ph, pw, values, windows * cp, pw, cp, border: 0);
        LayOutChannelLast((float*)argMax, channels, ph, pw, (float*)targets, windows * cp, pw, cp, border: 0);
        new Span<float>(dst, length).Clear();
        var (right, below) = (Vector512<int>.One, Vector512.Create(w));
        for (int oh = 0; oh < ph; oh++)
        {
            for (int ow = 0; ow < pw; ow++)
            {
                int o = oh * pw + ow;
                var corner = Vector512.Create(2 * oh * w + 2 * ow);
                float* top = dst + ((nint)(2 * oh + border) * dstWidth + 2 * ow + border) * dstChannels;
                float* bottom = top + (nint)dstWidth * dstChannels;
                for (int c = 0; c < cp; c += Lanes)
                {
                    var grad = Vector512.Load(values + (nint)o * cp + c);
                    var t = Vector512.Load(targets + (nint)o * cp + c) - corner;
                    var m0 = Vector512.Equals(t, Vector512<int>.Zero);
                    var m1 = Vector512.Equals(t, right);
                    var m2 = Vector512.Equals(t, below);
                    var m3 = Vector512.Equals(t, below + right);
                    // Padding channels pass: their value is 0 wherever it goes.
                    var real = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(channels - c));
                    if (!Vector512.EqualsAll(m0 | m1 | m2 | m3 | ~real, Vector512<int>.AllBitsSet))
                        ThrowOutsideWindow(argMax, windows, o, channels, 2 * oh * w + 2 * ow, w);
                    // + 0 turns a −0 gradient into +0, exactly as adding it to the cleared plane does.
                    var zero = Vector512<float>.Zero;
                    (Vector512.ConditionalSelect(m0.AsSingle(), grad, zero) + zero).Store(top + c);
                    (Vector512.ConditionalSelect(m1.AsSingle(), grad, zero) + zero).Store(top + dstChannels + c);
                    (Vector512.ConditionalSelect(m2.AsSingle(), grad, zero) + zero).Store(bottom + c);
                    (Vector512.ConditionalSelect(m3.AsSingle(), grad, zero) + zero).Store(bottom + dstChannels + c);
                }
            }
        }
    }

    private static void ThrowOutsideWindow(int* argMax, int windows, int o, int channels, int corner, int w)
    {
        for (int c = 0; c < channels; c++)
        {
            int target = argMax[(nint)c * windows + o], offset = target - corner;
            if (offset != 0 && offset != 1 && offset != w && offset != w + 1)
                throw new ArgumentException($"Arg-max entry {target} of channel {c} is not in the 2×2 window of pooled element {o}.");
        }
        throw new InvalidOperationException("internal: an arg-max failed the window check but every entry is in its window");
    }

    /// <summary>
    /// One channel's plane of the output gradient behind relu(max_pool2d(·, 2)), as max_pool2d's backward makes it
    /// (zeros, and 0 + the pooled gradient where each arg-max points): the bias gradient sums it as it sums a full one.
    /// </summary>
    public static void UnpoolPlane(float* pooled, int* argMax, int h, int w, float* plane)
    {
        new Span<float>(plane, h * w).Clear();
        int outPlane = h / 2 * (w / 2);
        for (int o = 0; o < outPlane; o++)
        {
            int target = argMax[o];
            if ((uint)target >= (uint)(h * w))
                throw new ArgumentException($"Arg-max entry {target} is outside the {h * w}-element plane.");
            plane[target] = 0f + pooled[o];
        }
    }

    /// <summary>The 4×4 transpose of rows r0..r3: c_j holds element j of every row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(Vector128<float> r0, Vector128<float> r1, Vector128<float> r2, Vector128<float> r3,
        out Vector128<float> c0, out Vector128<float> c1, out Vector128<float> c2, out Vector128<float> c3)
    {
        var t0 = Sse.UnpackLow(r0, r1);   // r00 r10 r01 r11
        var t1 = Sse.UnpackLow(r2, r3);   // r20 r30 r21 r31
        var t2 = Sse.UnpackHigh(r0, r1);  // r02 r12 r03 r13
        var t3 = Sse.UnpackHigh(r2, r3);  // r22 r32 r23 r33
        c0 = Sse.MoveLowToHigh(t0, t1);
        c1 = Sse.MoveHighToLow(t1, t0);
        c2 = Sse.MoveLowToHigh(t2, t3);
        c3 = Sse.MoveHighToLow(t3, t2);
    }

    /// <summary>
    /// V[ξ][t][c] = (Bᵀ·d·B)[ξ] for tile t's 4×4 block d of every channel, Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1];
    /// the rows past the last tile are zero.
    /// </summary>
    private static void TransformInput(in Plan plan, float* padded, float* v)
    {
        int cp = plan.InPadded, pw = plan.PaddedWidth;
        nint element = (nint)plan.TileRows * cp, row = (nint)pw * cp;
        for (int ty = 0; ty < plan.TilesDown; ty++)
        {
            for (int tx = 0; tx < plan.TilesAcross; tx++)
            {
                int t = ty * plan.TilesAcross + tx;
                for (int c = 0; c < cp; c += Lanes)
                {
                    float* d = padded + ((nint)(2 * ty) * pw + 2 * tx) * cp + c;
                    float* dst = v + (nint)t * cp + c;
                    // Bᵀ·d, row by row of the block: each r_i is a row of four vectors.
                    for (int j = 0; j < 4; j++)
                    {
                        var d0 = Vector512.Load(d + j * cp);
                        var d1 = Vector512.Load(d + row + j * cp);
                        var d2 = Vector512.Load(d + 2 * row + j * cp);
                        var d3 = Vector512.Load(d + 3 * row + j * cp);
                        // Kept in the output's own slots for the second pass (ξ = 4i + j).
                        (d0 - d2).Store(dst + (0 + j) * element);
                        (d1 + d2).Store(dst + (4 + j) * element);
                        (d2 - d1).Store(dst + (8 + j) * element);
                        (d1 - d3).Store(dst + (12 + j) * element);
                    }
                    // ·B, along each row.
                    for (int i = 0; i < 16; i += 4)
                    {
                        float* r = dst + i * element;
                        var r0 = Vector512.Load(r);
                        var r1 = Vector512.Load(r + element);
                        var r2 = Vector512.Load(r + 2 * element);
                        var r3 = Vector512.Load(r + 3 * element);
                        (r0 - r2).Store(r);
                        (r1 + r2).Store(r + element);
                        (r2 - r1).Store(r + 2 * element);
                        (r1 - r3).Store(r + 3 * element);
                    }
                }
            }
        }
        // The micro-kernel's last pieces read four rows.
        for (int xi = 0; xi < 16; xi++)
            new Span<float>(v + xi * element + (nint)plan.Tiles * cp, (plan.TileRows - plan.Tiles) * cp).Clear();
    }

    /// <summary>M[ξ][t][co] = Σ_c V[ξ][t][c]·U[ξ][c][co] for each of the 16 elements: [tiles × Cin]·[Cin × Cout].</summary>
    private static void Multiply(in Plan plan, float* v, float* u, float* m)
    {
        int cin = plan.InChannels, cp = plan.InPadded, kp = plan.OutPadded, slivers = kp / Nr, tiles = plan.Tiles;
        for (int xi = 0; xi < 16; xi++)
        {
            float* a = v + (nint)xi * plan.TileRows * cp;
            float* c = m + (nint)xi * plan.TileRows * kp;
            for (int s = 0; s < slivers; s++)
            {
                float* b = u + ((nint)xi * slivers + s) * cin * Nr;
                int t = 0;
                for (; t + Mr <= tiles; t += Mr)
                    Kernel.Run(cin, a + (nint)t * cp, cp, 1, b, c + (nint)t * kp + s * Nr, kp, null, 0);
                for (; t < tiles; t += 4)
                    Kernel.RunRows4(cin, a + (nint)t * cp, cp, 1, b, c + (nint)t * kp + s * Nr, kp, null, 0, Math.Min(4, tiles - t));
            }
        }
    }

    /// <summary>
    /// y[oh, ow, co] = (Aᵀ·M·A) of each tile, Aᵀ = [1 1 1 0; 0 1 −1 −1]: the 2×2 outputs of the tile, those past the
    /// last row or column of an odd size left out.
    /// </summary>
    private static void TransformOutput(in Plan plan, float* m, float* y)
    {
        int kp = plan.OutPadded, w = plan.Width;
        nint element = (nint)plan.TileRows * kp;
        for (int ty = 0; ty < plan.TilesDown; ty++)
        {
            bool secondRow = 2 * ty + 1 < plan.Height;
            for (int tx = 0; tx < plan.TilesAcross; tx++)
            {
                bool secondColumn = 2 * tx + 1 < w;
                int t = ty * plan.TilesAcross + tx;
                float* dst = y + ((nint)(2 * ty) * w + 2 * tx) * kp;
                for (int c = 0; c < plan.OutChannels; c += Lanes)
                {
                    float* src = m + (nint)t * kp + c;
                    // Aᵀ·M: two rows of four vectors.
                    Vector512<float> s00, s01, s02, s03, s10, s11, s12, s13;
                    Rows(src, 0, element, out s00, out s10);
                    Rows(src, 1, element, out s01, out s11);
                    Rows(src, 2, element, out s02, out s12);
                    Rows(src, 3, element, out s03, out s13);
                    // ·A, along each row.
                    (s00 + s01 + s02).Store(dst + c);
                    if (secondColumn) (s01 - s02 - s03).Store(dst + kp + c);
                    if (secondRow)
                    {
                        (s10 + s11 + s12).Store(dst + (nint)w * kp + c);
                        if (secondColumn) (s11 - s12 - s13).Store(dst + ((nint)w + 1) * kp + c);
                    }
                }
            }
        }
    }

    // Column j of Aᵀ·M: M[0][j] + M[1][j] + M[2][j] and M[1][j] − M[2][j] − M[3][j].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows(float* src, int j, nint element, out Vector512<float> top, out Vector512<float> bottom)
    {
        var m0 = Vector512.Load(src + j * element);
        var m1 = Vector512.Load(src + (4 + j) * element);
        var m2 = Vector512.Load(src + (8 + j) * element);
        var m3 = Vector512.Load(src + (12 + j) * element);
        top = m0 + m1 + m2;
        bottom = m1 - m2 - m3;
    }

    /// <summary>out[co, p] = y[p, co] (+ bias[co]), or out[co, p] += y[p, co] when accumulating.</summary>
    private static void StoreChannelFirst(in Plan plan, float* y, float* output, float* bias, bool accumulate)
    {
        int plane = plan.Height * plan.Width, kp = plan.OutPadded, cout = plan.OutChannels;
        int wholeChannels = cout / 4 * 4, wholePixels = plane / 4 * 4;
        // 4 pixels × 4 channels at a time, transposed in registers (as in LayOutChannelLast), so each store writes 4
        // pixels of a channel's plane.
        for (int co = 0; co < wholeChannels; co += 4)
        {
            float* d0 = output + (nint)co * plane;
            Vector128<float> b0 = default, b1 = default, b2 = default, b3 = default;
            if (bias != null)
                (b0, b1, b2, b3) = (Vector128.Create(bias[co]), Vector128.Create(bias[co + 1]), Vector128.Create(bias[co + 2]), Vector128.Create(bias[co + 3]));
            for (int p = 0; p < wholePixels; p += 4)
            {
                float* src = y + (nint)p * kp + co;
                Transpose4x4(Vector128.Load(src), Vector128.Load(src + kp), Vector128.Load(src + 2 * kp), Vector128.Load(src + 3 * kp),
                    out var v0, out var v1, out var v2, out var v3);
                Put(d0 + p, v0, b0, bias != null, accumulate);
                Put(d0 + plane + p, v1, b1, bias != null, accumulate);
                Put(d0 + 2 * plane + p, v2, b2, bias != null, accumulate);
                Put(d0 + 3 * plane + p, v3, b3, bias != null, accumulate);
            }
        }
        // What the blocks left: the last pixels of those channels, and the last channels.
        for (int co = 0; co < cout; co++)
        {
            for (int p = co < wholeChannels ? wholePixels : 0; p < plane; p++)
            {
                float value = y[(nint)p * kp + co];
                float* dst = output + (nint)co * plane + p;
                *dst = accumulate ? *dst + value : bias != null ? bias[co] + value : value;
            }
        }
    }

    // dst = value, bias + value or dst + value, four at a time.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* dst, Vector128<float> value, Vector128<float> bias, bool hasBias, bool accumulate)
    {
        if (accumulate) value = Vector128.Load(dst) + value;
        else if (hasBias) value = bias + value;
        value.Store(dst);
    }

    /// <summary>
    /// Z = A·gy·Aᵀ for every tile's 2×2 block of the output gradient (A = [1 0; 1 1; 1 −1; 0 −1]), channel vectors at
    /// a time, into the slivered layout of <see cref="Plan.GradientTransformLength"/>.
    /// </summary>
    private static void TransformGradient(in Plan plan, float* gy, float* z)
    {
        int kp = plan.OutPadded, slivers = kp / Nr, tiles = plan.Tiles, rowWidth = 2 * plan.TilesAcross;
        nint sliver = (nint)tiles * Nr, element = slivers * sliver;
        for (int t = 0; t < tiles; t++)
        {
            int ty = t / plan.TilesAcross, tx = t % plan.TilesAcross;
            float* block = gy + ((nint)(2 * ty) * rowWidth + 2 * tx) * kp;
            for (int c = 0; c < kp; c += Lanes)
            {
                var g00 = Vector512.Load(block + c);
                var g01 = Vector512.Load(block + kp + c);
                var g10 = Vector512.Load(block + (nint)rowWidth * kp + c);
                var g11 = Vector512.Load(block + ((nint)rowWidth + 1) * kp + c);
                // A·gy: four rows of two.
                Vector512<float> p00 = g00, p01 = g01, p10 = g00 + g10, p11 = g01 + g11, p20 = g00 - g10, p21 = g01 - g11, p30 = -g10, p31 = -g11;
                float* dst = z + (c / Nr) * sliver + (nint)t * Nr + c % Nr;
                Columns(dst, 0, element, p00, p01);
                Columns(dst, 4, element, p10, p11);
                Columns(dst, 8, element, p20, p21);
                Columns(dst, 12, element, p30, p31);
            }
        }
    }

    // Row a of (A·gy)·Aᵀ from row a of A·gy: p0, p0 + p1, p0 − p1, −p1, at elements ξ = first .. first + 3.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Columns(float* dst, int first, nint element, Vector512<float> p0, Vector512<float> p1)
    {
        p0.Store(dst + first * element);
        (p0 + p1).Store(dst + (first + 1) * element);
        (p0 - p1).Store(dst + (first + 2) * element);
        (-p1).Store(dst + (first + 3) * element);
    }

    /// <summary>
    /// sums[ξ][ci][co] (+)= Σ_t V[ξ][t][ci]·Z[ξ][t][co]: for each element, [Cin × tiles]·[tiles × Cout] with V read
    /// in place as a column-major A.
    /// </summary>
    private static void MultiplyTransposed(in Plan plan, float* v, float* z, float* sums, bool accumulate)
    {
        int cin = plan.InChannels, cp = plan.InPadded, kp = plan.OutPadded, slivers = kp / Nr, tiles = plan.Tiles;
        for (int xi = 0; xi < 16; xi++)
        {
            float* a = v + (nint)xi * plan.TileRows * cp;
            float* c = sums + (nint)xi * cin * kp;
            for (int s = 0; s < slivers; s++)
            {
                float* b = z + ((nint)xi * slivers + s) * tiles * Nr;
                int ci = 0;
                for (; ci + Mr <= cin; ci += Mr)
                {
                    float* tile = c + (nint)ci * kp + s * Nr;
                    Kernel.Run(tiles, a + ci, 1, cp, b, tile, kp, accumulate ? tile : null, kp);
                }
                // The last rows in pieces of four: V's padding channels (zero, at least up to a multiple of 16) are readable.
                for (; ci < cin; ci += 4)
                {
                    float* tile = c + (nint)ci * kp + s * Nr;
                    Kernel.RunRows4(tiles, a + ci, 1, cp, b, tile, kp, accumulate ? tile : null, kp, Math.Min(4, cin - ci));
                }
            }
        }
    }

    /// <summary>
    /// partial[co, ci, ki, kj] = (Gᵀ·S·G)[ki, kj] for the 4×4 sums S of each pair of channels, in double, rounded once
    /// (the transpose of <see cref="TransformFilter"/>'s G·g·Gᵀ). Sixteen output channels at a time: their sums lie
    /// side by side (S is stored channel-last), so each step is two vectors of eight doubles, the very operations of
    /// one channel in every lane; the nine results of each channel then go to its own filter.
    /// </summary>
    private static void TransformBackToFilter(in Plan plan, float* sums, float* partial)
    {
        int cin = plan.InChannels, cout = plan.OutChannels, kp = plan.OutPadded;
        nint element = (nint)cin * kp;
        // Gᵀ·S, three rows of four, per half of the sixteen channels; then the nine results of all sixteen.
        var half = stackalloc Vector512<double>[24];
        var results = stackalloc float[9 * 16];
        var halfOf = Vector512.Create(0.5);
        for (int ci = 0; ci < cin; ci++)
        {
            // OutPadded is a multiple of 16, so the last group reads padding columns (never stored) rather than past S.
            for (int co0 = 0; co0 < cout; co0 += 16)
            {
                float* src = sums + (nint)ci * kp + co0;
                // X0 + ½(X1 + X2), ½(X1 − X2), ½(X1 + X2) + X3 down each column.
                for (int b = 0; b < 4; b++)
                {
                    var (x0l, x0h) = Vector512.Widen(Vector512.Load(src + b * element));
                    var (x1l, x1h) = Vector512.Widen(Vector512.Load(src + (4 + b) * element));
                    var (x2l, x2h) = Vector512.Widen(Vector512.Load(src + (8 + b) * element));
                    var (x3l, x3h) = Vector512.Widen(Vector512.Load(src + (12 + b) * element));
                    var sl = halfOf * (x1l + x2l);
                    var sh = halfOf * (x1h + x2h);
                    half[2 * b] = x0l + sl;
                    half[2 * b + 1] = x0h + sh;
                    half[2 * (4 + b)] = halfOf * (x1l - x2l);
                    half[2 * (4 + b) + 1] = halfOf * (x1h - x2h);
                    half[2 * (8 + b)] = sl + x3l;
                    half[2 * (8 + b) + 1] = sh + x3h;
                }
                for (int ki = 0; ki < 3; ki++)
                {
                    var y0l = half[8 * ki]; var y0h = half[8 * ki + 1];
                    var y1l = half[8 * ki + 2]; var y1h = half[8 * ki + 3];
                    var y2l = half[8 * ki + 4]; var y2h = half[8 * ki + 5];
                    var y3l = half[8 * ki + 6]; var y3h = half[8 * ki + 7];
                    var sl = halfOf * (y1l + y2l);
                    var sh = halfOf * (y1h + y2h);
                    Vector512.Narrow(y0l + sl, y0h + sh).Store(results + (ki * 3) * 16);
                    Vector512.Narrow(halfOf * (y1l - y2l), halfOf * (y1h - y2h)).Store(results + (ki * 3 + 1) * 16);
                    Vector512.Narrow(sl + y3l, sh + y3h).Store(results + (ki * 3 + 2) * 16);
                }
                int channels = Math.Min(16, cout - co0);
                for (int j = 0; j < channels; j++)
                {
                    float* dst = partial + ((nint)(co0 + j) * cin + ci) * 9;
                    for (int e = 0; e < 9; e++)
                        dst[e] = results[e * 16 + j];
                }
            }
        }
    }

    private static class Kernel
    {
        public static void Run(int kc, float* a, nint rs, nint cs, float* b, float* c, nint ldc, float* c0, nint ldc0) =>
            GemmKernelSimd<float, Vector512<float>, GemmVector512<float>>.Run(kc, a, rs, cs, b, c, ldc, c0, ldc0);

        public static void RunRows4(int kc, float* a, nint rs, nint cs, float* b, float* c, nint ldc, float* c0, nint ldc0, int rows) =>
            GemmKernelSimd<float, Vector512<float>, GemmVector512<float>>.RunRows4(kc, a, rs, cs, b, c, ldc, c0, ldc0, rows);
    }
}
