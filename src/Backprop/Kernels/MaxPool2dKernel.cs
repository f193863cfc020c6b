using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Kernels;

// One file on purpose: the forward with its arg-max and the backward scatter share the window arithmetic and the
// vectorised row kernels, and splitting them would put the two halves of one index convention in different files.
// The window geometry is Pool2dGeometry, shared with average pooling.

/// <summary>2-D max pooling over NCHW data, forward with arg-max and backward, parallel over the N·C planes.</summary>
/// <remarks>
/// The arg-max of an output is the flat index <c>ih·Width + iw</c> of the chosen element within its own input plane.
/// Ties go to the first maximum in row-major window order (top row first, left to right). A NaN in a window wins
/// (the first NaN), so NaNs propagate as in other libraries. Results do not depend on the thread count.
/// </remarks>
internal static unsafe class MaxPool2dKernel
{
    /// <summary>Computes each window's maximum into <paramref name="output"/> and its position into <paramref name="argMax"/>.</summary>
    /// <param name="input">[Batch, Channels, Height, Width].</param>
    /// <param name="output">[Batch, Channels, OutHeight, OutWidth]; overwritten.</param>
    /// <param name="argMax">Same length as the output; receives in-plane flat indices (see the class remarks).</param>
    /// <param name="geometry">The shapes.</param>
    public static void Forward<T>(ReadOnlySpan<T> input, Span<T> output, Span<int> argMax, in Pool2dGeometry geometry)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = geometry;
        CheckLength(input.Length, g.InputLength, nameof(input));
        CheckLength(output.Length, g.OutputLength, nameof(output));
        CheckLength(argMax.Length, g.OutputLength, nameof(argMax));
        fixed (T* pIn = input) fixed (T* pOut = output) fixed (int* pArg = argMax)
        {
            var body = new ForwardBody<T> { X = pIn, Y = pOut, Arg = pArg, G = g };
            Parallelism.For(g.Batch * g.Channels, (long)g.OutHeight * g.OutWidth * g.KernelH * g.KernelW, body);
        }
    }

    /// <summary>
    /// One plane's 2×2, stride-2 pooling (the forward's own rule and arg-max convention) from rows
    /// <paramref name="stride"/> elements apart, for a plane <paramref name="width"/> wide: outH×outW outputs.
    /// </summary>
    internal static void Pool2x2Plane<T>(T* x, nint stride, int width, T* y, int* argMax, int outH, int outW)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        ForwardBody<T>.Pool2x2(x, y, argMax, width, outH, outW, stride);

    /// <summary>
    /// relu(max_pool2d(·, 2)) of one sample's <paramref name="channels"/> planes (plane c at
    /// <paramref name="planes"/> + c·<paramref name="channelStride"/>, rows <paramref name="rowStride"/> apart,
    /// <paramref name="width"/> wide) into [channels, outH, outW] outputs and arg-maxes: <see cref="Pool2x2Plane{T}"/>
    /// for each plane, then ReLU over the pooled values, as a convolution's pooled epilogue needs it.
    /// </summary>
    internal static void PoolRelu2x2Sample(float* planes, nint channelStride, nint rowStride, int width, int channels,
        float* pooled, int* argMax, int outH, int outW)
    {
        int outPlane = outH * outW;
        for (int c = 0; c < channels; c++)
            Pool2x2Plane(planes + c * channelStride, rowStride, width, pooled + (nint)c * outPlane, argMax + (nint)c * outPlane, outH, outW);
        var outputs = new Span<float>(pooled, channels * outPlane);
        new ReluFunction().Invoke<float>(outputs, outputs);
    }

    /// <summary>Routes each output gradient to the input element its window chose in the forward pass.</summary>
    /// <param name="gradOutput">[Batch, Channels, OutHeight, OutWidth].</param>
    /// <param name="argMax">The forward's arg-max buffer.</param>
    /// <param name="gradInput">[Batch, Channels, Height, Width]; overwritten, or added to when <paramref name="accumulate"/>.</param>
    /// <param name="geometry">The shapes.</param>
    /// <param name="accumulate">Add to <paramref name="gradInput"/> instead of overwriting it.</param>
    public static void Backward<T>(ReadOnlySpan<T> gradOutput, ReadOnlySpan<int> argMax, Span<T> gradInput,
        in Pool2dGeometry geometry, bool accumulate = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = geometry;
        CheckLength(gradOutput.Length, g.OutputLength, nameof(gradOutput));
        CheckLength(argMax.Length, g.OutputLength, nameof(argMax));
        CheckLength(gradInput.Length, g.InputLength, nameof(gradInput));
        fixed (T* pGy = gradOutput) fixed (int* pArg = argMax) fixed (T* pGx = gradInput)
        {
            var body = new BackwardBody<T> { Gy = pGy, Arg = pArg, Gx = pGx, G = g, Accumulate = accumulate };
            Parallelism.For(g.Batch * g.Channels, (long)g.Height * g.Width, body);
        }
    }

    private static void CheckLength(int actual, long required, string name)
    {
        if (actual != required)
            throw new ArgumentException($"Buffer {name} has {actual} elements but max pooling needs exactly {required}.", name);
    }

    private struct ForwardBody<T> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* X, Y;
        public int* Arg;
        public Pool2dGeometry G;

        public readonly void Invoke(int plane)
        {
            var g = G;
            int h = g.Height, w = g.Width, outH = g.OutHeight, outW = g.OutWidth;
            T* x = X + (nint)plane * h * w;
            T* y = Y + (nint)plane * outH * outW;
            int* arg = Arg + (nint)plane * outH * outW;
            if (g.KernelH == 2 && g.KernelW == 2 && g.StrideH == 2 && g.StrideW == 2 && g.PadH == 0 && g.PadW == 0)
            {
                Pool2x2(x, y, arg, w, outH, outW, w);
                return;
            }
            for (int oh = 0; oh < outH; oh++)
            {
                // Clip the window to the plane: padding is −∞ and never chosen.
                int h0 = oh * g.StrideH - g.PadH;
                int hLo = Math.Max(h0, 0), hHi = Math.Min(h0 + g.KernelH, h);
                for (int ow = 0; ow < outW; ow++)
                {
                    int w0 = ow * g.StrideW - g.PadW;
                    int wLo = Math.Max(w0, 0), wHi = Math.Min(w0 + g.KernelW, w);
                    int best = hLo * w + wLo;
                    T bestValue = x[best];
                    for (int ih = hLo; ih < hHi && !T.IsNaN(bestValue); ih++)
                    {
                        T* row = x + (nint)ih * w;
                        for (int iw = wLo; iw < wHi; iw++)
                        {
                            T v = row[iw];
                            // Strictly greater keeps the first maximum; a NaN wins and ends the search.
                            if (v > bestValue || T.IsNaN(v))
                            {
                                bestValue = v;
                                best = ih * w + iw;
                                if (T.IsNaN(v))
                                    break;
                            }
                        }
                    }
                    y[oh * outW + ow] = bestValue;
                    arg[oh * outW + ow] = best;
                }
            }
        }

        /// <summary>
        /// The common 2×2, stride-2 window. Random data would mispredict about half the branches of a scalar scan,
        /// so with AVX-512VL a row of outputs is done 8 or 4 (float; 4 or 2 for double) at a time with
        /// compare-and-select, following exactly the rule of the general loop. The last vector of a row overlaps the
        /// previous one instead of leaving a scalar tail (recomputing an output is harmless); rows narrower than a
        /// vector fall back to the scalar loop.
        /// </summary>
        /// <remarks>
        /// The input's rows are <paramref name="stride"/> elements apart in memory, while the arg-max counts in rows of
        /// <paramref name="w"/> (the plane's width): a convolution's epilogue pools its own wider scratch rows with this.
        /// </remarks>
        internal static void Pool2x2(T* x, T* y, int* arg, int w, int outH, int outW, nint stride)
        {
            bool simd = Avx512F.VL.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double));
            int lanes = !simd ? int.MaxValue : outW >= Vector256<T>.Count ? Vector256<T>.Count : Vector128<T>.Count;
            T* offsets = stackalloc T[Vector256<T>.Count];
            for (int oh = 0; oh < outH; oh++, y += outW, arg += outW)
            {
                T* r0 = x + 2 * oh * stride, r1 = r0 + stride;
                int rowBase = 2 * oh * w;
                if (outW < lanes)
                {
                    for (int ow = 0; ow < outW; ow++)
                    {
                        int iw = 2 * ow, best = rowBase + iw;
                        T bestValue = r0[iw];
                        ScalarTake(ref bestValue, ref best, r0[iw + 1], rowBase + iw + 1);
                        ScalarTake(ref bestValue, ref best, r1[iw], rowBase + w + iw);
                        ScalarTake(ref bestValue, ref best, r1[iw + 1], rowBase + w + iw + 1);
                        y[ow] = bestValue;
                        arg[ow] = best;
                    }
                    continue;
                }
                for (int ow = 0; ; ow += lanes)
                {
                    ow = Math.Min(ow, outW - lanes);
                    // Candidates' offsets from the window's top-left element, in row-major order: 0, 1, w, w + 1.
                    if (lanes == Vector256<T>.Count)
                    {
                        Vector256<T> offB = Vector256<T>.One, offC = Vector256.Create(T.CreateTruncating(w));
                        Deinterleave(r0 + 2 * ow, out Vector256<T> best, out var b);
                        Deinterleave(r1 + 2 * ow, out Vector256<T> c, out var d);
                        var offset = Vector256<T>.Zero;
                        Take(ref best, ref offset, b, offB);
                        Take(ref best, ref offset, c, offC);
                        Take(ref best, ref offset, d, offC + offB);
                        best.Store(y + ow);
                        if (typeof(T) == typeof(float))
                        {
                            // arg = rowBase + 2·(ow + lane) + offset, all in vectors: no scalar tail per output.
                            var even = Vector256.Create(rowBase + 2 * ow) + Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
                            (Vector256.ConvertToInt32(offset.As<T, float>()) + even).Store(arg + ow);
                        }
                        else
                        {
                            offset.Store(offsets);
                            StoreArg(arg, offsets, rowBase, ow, lanes);
                        }
                    }
                    else
                    {
                        Vector128<T> offB = Vector128<T>.One, offC = Vector128.Create(T.CreateTruncating(w));
                        Deinterleave(r0 + 2 * ow, out Vector128<T> best, out var b);
                        Deinterleave(r1 + 2 * ow, out Vector128<T> c, out var d);
                        var offset = Vector128<T>.Zero;
                        Take(ref best, ref offset, b, offB);
                        Take(ref best, ref offset, c, offC);
                        Take(ref best, ref offset, d, offC + offB);
                        best.Store(y + ow);
                        if (typeof(T) == typeof(float))
                        {
                            var even = Vector128.Create(rowBase + 2 * ow) + Vector128.Create(0, 2, 4, 6);
                            (Vector128.ConvertToInt32(offset.As<T, float>()) + even).Store(arg + ow);
                        }
                        else
                        {
                            offset.Store(offsets);
                            StoreArg(arg, offsets, rowBase, ow, lanes);
                        }
                    }
                    if (ow + lanes >= outW)
                        break;
                }
            }
        }

        /// <summary>The arg-max of outputs ow..ow+lanes from the chosen candidates' offsets (0, 1, w or w + 1).</summary>
        private static void StoreArg(int* arg, T* offsets, int rowBase, int ow, int lanes)
        {
            for (int l = 0; l < lanes; l++)
                arg[ow + l] = rowBase + 2 * (ow + l) + int.CreateTruncating(offsets[l]);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void ScalarTake(ref T best, ref int bestIndex, T v, int index)
        {
            // A later candidate wins only if strictly greater, or if it is the first NaN.
            if (v > best || (T.IsNaN(v) && !T.IsNaN(best)))
                (best, bestIndex) = (v, index);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Take(ref Vector256<T> best, ref Vector256<T> offset, Vector256<T> v, Vector256<T> vOffset)
        {
            var take = Vector256.GreaterThan(v, best) | (~Vector256.Equals(v, v) & Vector256.Equals(best, best));
            best = Vector256.ConditionalSelect(take, v, best);
            offset = Vector256.ConditionalSelect(take, vOffset, offset);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Take(ref Vector128<T> best, ref Vector128<T> offset, Vector128<T> v, Vector128<T> vOffset)
        {
            var take = Vector128.GreaterThan(v, best) | (~Vector128.Equals(v, v) & Vector128.Equals(best, best));
            best = Vector128.ConditionalSelect(take, v, best);
            offset = Vector128.ConditionalSelect(take, vOffset, offset);
        }

        /// <summary>Splits 2·lanes consecutive elements into the even-indexed and the odd-indexed ones.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Deinterleave(T* p, out Vector256<T> even, out Vector256<T> odd)
        {
            if (typeof(T) == typeof(float))
            {
                var (lo, hi, index) = (Vector256.Load((float*)p), Vector256.Load((float*)p + 8), Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14));
                even = Avx512F.VL.PermuteVar8x32x2(lo, index, hi).As<float, T>();
                odd = Avx512F.VL.PermuteVar8x32x2(lo, index + Vector256<int>.One, hi).As<float, T>();
            }
            else
            {
                var (lo, hi, index) = (Vector256.Load((double*)p), Vector256.Load((double*)p + 4), Vector256.Create(0L, 2, 4, 6));
                even = Avx512F.VL.PermuteVar4x64x2(lo, index, hi).As<double, T>();
                odd = Avx512F.VL.PermuteVar4x64x2(lo, index + Vector256<long>.One, hi).As<double, T>();
            }
        }

        /// <inheritdoc cref="Deinterleave(T*, out Vector256{T}, out Vector256{T})"/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Deinterleave(T* p, out Vector128<T> even, out Vector128<T> odd)
        {
            if (typeof(T) == typeof(float))
            {
                var (lo, hi, index) = (Vector128.Load((float*)p), Vector128.Load((float*)p + 4), Vector128.Create(0, 2, 4, 6));
                even = Avx512F.VL.PermuteVar4x32x2(lo, index, hi).As<float, T>();
                odd = Avx512F.VL.PermuteVar4x32x2(lo, index + Vector128<int>.One, hi).As<float, T>();
            }
            else
            {
                var (lo, hi, index) = (Vector128.Load((double*)p), Vector128.Load((double*)p + 2), Vector128.Create(0L, 2));
                even = Avx512F.VL.PermuteVar2x64x2(lo, index, hi).As<double, T>();
                odd = Avx512F.VL.PermuteVar2x64x2(lo, index + Vector128<long>.One, hi).As<double, T>();
            }
        }
    }

    private struct BackwardBody<T> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* Gy, Gx;
        public int* Arg;
        public Pool2dGeometry G;
        public bool Accumulate;

        public readonly void Invoke(int plane)
        {
            int inPlane = G.Height * G.Width, outPlane = G.OutHeight * G.OutWidth;
            T* gx = Gx + (nint)plane * inPlane;
            T* gy = Gy + (nint)plane * outPlane;
            int* arg = Arg + (nint)plane * outPlane;
            var g = G;
            if (typeof(T) == typeof(float) && !Accumulate && Avx512F.IsSupported && g.OutWidth >= 8
                && g.KernelH == 2 && g.KernelW == 2 && g.StrideH == 2 && g.StrideW == 2 && g.PadH == 0 && g.PadW == 0
                && Unpool2x2((float*)gx, (float*)gy, arg, g))
                return;
            if (!Accumulate)
                new Span<T>(gx, inPlane).Clear();
            // Sequential within the plane, so overlapping windows add in a fixed order.
            for (int i = 0; i < outPlane; i++)
            {
                int target = arg[i];
                if ((uint)target >= (uint)inPlane)
                    throw new ArgumentException($"Arg-max entry {target} of plane {plane} is outside the {inPlane}-element input plane.");
                gx[target] += gy[i];
            }
        }

        /// <summary>
        /// Overwrites one plane of the gradient of a 2×2, stride-2 float pooling in a single pass: every input element
        /// is written once (its window's gradient where the arg-max points, else 0) instead of clearing the plane and
        /// scattering into it. Eight windows at a time; the last vector of a row overlaps the previous one (rewriting
        /// equal values). Returns false if an arg-max is not one of its window's four elements; the caller's general path
        /// then clears and redoes the plane, and reports bad entries.
        /// </summary>
        private static bool Unpool2x2(float* gx, float* gy, int* arg, in Pool2dGeometry g)
        {
            int w = g.Width, outW = g.OutWidth;
            var (twice, right, below) = (Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14), Vector256<int>.One, Vector256.Create(w));
            // Lanes of the lower and upper halves interleaved: even inputs from the first vector, odd from the second.
            var interleave = Vector512.Create(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
            for (int oh = 0; oh < g.OutHeight; oh++, gy += outW, arg += outW)
            {
                int rowBase = 2 * oh * w;
                float* r0 = gx + rowBase, r1 = r0 + w;
                for (int ow = 0; ; ow += 8)
                {
                    ow = Math.Min(ow, outW - 8);
                    var grad = Vector256.Load(gy + ow);
                    var t = Vector256.Load(arg + ow) - Vector256.Create(rowBase + 2 * ow) - twice;
                    var m0 = Vector256.Equals(t, Vector256<int>.Zero).AsSingle();
                    var m1 = Vector256.Equals(t, right).AsSingle();
                    var m2 = Vector256.Equals(t, below).AsSingle();
                    var m3 = Vector256.Equals(t, below + right).AsSingle();
                    if (!Vector256.EqualsAll((m0 | m1 | m2 | m3).AsInt32(), Vector256<int>.AllBitsSet))
                        return false;
                    // + 0 turns a −0 gradient into +0, exactly as adding it to the cleared plane does.
                    var zero = Vector256<float>.Zero;
                    var top = Vector512.Create(Vector256.ConditionalSelect(m0, grad, zero), Vector256.ConditionalSelect(m1, grad, zero));
                    var bottom = Vector512.Create(Vector256.ConditionalSelect(m2, grad, zero), Vector256.ConditionalSelect(m3, grad, zero));
                    (Avx512F.PermuteVar16x32(top, interleave) + Vector512<float>.Zero).Store(r0 + 2 * ow);
                    (Avx512F.PermuteVar16x32(bottom, interleave) + Vector512<float>.Zero).Store(r1 + 2 * ow);
                    if (ow + 8 >= outW)
                        break;
                }
                if (w > 2 * outW) // an odd width leaves a last column that no window covers
                    r0[w - 1] = r1[w - 1] = 0f;
            }
            // Likewise an odd height leaves a last row.
            if (g.Height > 2 * g.OutHeight)
                new Span<float>(gx + (nint)(g.Height - 1) * w, w).Clear();
            return true;
        }
    }
}
