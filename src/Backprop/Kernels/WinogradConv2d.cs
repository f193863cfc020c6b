using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
        && new Plan(g.InChannels, g.OutChannels, g.Height, g.Width).ScratchLength <= MaxScratchPerSample;

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
    /// gradInput (=, or += when accumulating) the transposed convolution of gradOutput with the weight: for a 3×3
    /// kernel of stride 1 and padding 1 it is the forward convolution of gradOutput, padded by 1, with
    /// W'[c, co, ki, kj] = W[co, c, 2 − ki, 2 − kj].
    /// </summary>
    public static void BackwardInput(float* gradOutput, float* weight, float* gradInput, in Conv2dGeometry g, bool accumulate)
    {
        var plan = new Plan(g.OutChannels, g.InChannels, g.Height, g.Width);
        Run(plan, gradOutput, weight, flipped: true, bias: null, gradInput, g.Batch, accumulate);
    }

    /// <summary>Transforms the filter once, then convolves every sample on its own (one work item per sample).</summary>
    private static void Run(in Plan plan, float* input, float* weight, bool flipped, float* bias, float* output, int batch, bool accumulate,
        float* pooled = null, int* argMax = null)
    {
        var shared = ScratchBufferPool.Shared.Rent();
        float* u = shared.Get<float>(0, plan.FilterLength);
        TransformFilter(plan, weight, flipped, u);
        var body = new SampleBody
        {
            Plan = plan, Input = input, Filter = u, Bias = bias, Output = output, Accumulate = accumulate, Pooled = pooled, ArgMax = argMax,
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

        public long ScratchLength => (long)PaddedLength + InputTransformLength + ProductLength + OutputLength + SampleLength;
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
            float* sample = y + plan.OutputLength;
            int plane = plan.Height * plan.Width;
            LayOutChannelLast(plan, Input + (nint)n * plan.InChannels * plane, padded);
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
                int ph = plan.Height / 2, pw = plan.Width / 2, outPlane = ph * pw;
                float* pooled = Pooled + (nint)n * plan.OutChannels * outPlane;
                int* argMax = ArgMax + (nint)n * plan.OutChannels * outPlane;
                for (int co = 0; co < plan.OutChannels; co++)
                    MaxPool2dKernel.Pool2x2Plane(sample + (nint)co * plane, plan.Width, plan.Width, pooled + (nint)co * outPlane, argMax + (nint)co * outPlane, ph, pw);
                var outputs = new Span<float>(pooled, plan.OutChannels * outPlane);
                new ReluFunction().Invoke<float>(outputs, outputs);
            }
            ScratchBufferPool.Shared.Return(scratch);
        }
    }

    /// <summary>padded[r, q, c] = x[c, r − 1, q − 1] inside the image, 0 on the border, past the last row or column of
    /// an odd size, and in the padding channels.</summary>
    private static void LayOutChannelLast(in Plan plan, float* x, float* padded)
    {
        new Span<float>(padded, plan.PaddedLength).Clear();
        int h = plan.Height, w = plan.Width, cp = plan.InPadded, pw = plan.PaddedWidth;
        for (int c = 0; c < plan.InChannels; c++)
        {
            float* src = x + (nint)c * h * w;
            for (int r = 0; r < h; r++)
            {
                float* dst = padded + ((nint)(r + 1) * pw + 1) * cp + c;
                for (int q = 0; q < w; q++)
                    dst[(nint)q * cp] = src[r * w + q];
            }
        }
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
        int plane = plan.Height * plan.Width, kp = plan.OutPadded;
        for (int co = 0; co < plan.OutChannels; co++)
        {
            float* dst = output + (nint)co * plane, src = y + co;
            if (accumulate)
                for (int p = 0; p < plane; p++) dst[p] += src[(nint)p * kp];
            else if (bias != null)
                for (int p = 0; p < plane; p++) dst[p] = bias[co] + src[(nint)p * kp];
            else
                for (int p = 0; p < plane; p++) dst[p] = src[(nint)p * kp];
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
