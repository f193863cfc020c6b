using System.Buffers;
using System.Numerics;

namespace Backprop.Kernels;

/// <summary>
/// Where the rows of each batched slice of an attention operand lie in a buffer: the slices are indexed by the
/// leading axes (shared by every operand), each slice holds rows of <c>width</c> consecutive elements, and
/// consecutive rows are <see cref="RowStride"/> apart. This covers every view whose last axis is contiguous, such as
/// the heads [B, H, T, hs] of a [B, T, H·hs] projection, so those are read in place instead of copied.
/// </summary>
internal readonly struct SliceLayout
{
    /// <summary>Sizes of the leading (batch) axes.</summary>
    public readonly int[] LeadingShape;
    /// <summary>Element strides of the leading axes (0 for a broadcast axis).</summary>
    public readonly int[] LeadingStrides;
    /// <summary>Elements between consecutive rows of a slice.</summary>
    public readonly int RowStride;

    public SliceLayout(int[] leadingShape, int[] leadingStrides, int rowStride)
    {
        LeadingShape = leadingShape;
        LeadingStrides = leadingStrides;
        RowStride = rowStride;
    }

    /// <summary>A dense [slices, rows, width] buffer.</summary>
    public static SliceLayout Dense(int slices, int rows, int width) => new([slices], [rows * width], width);

    /// <summary>The offset of slice <paramref name="slice"/>'s first row.</summary>
    public int Offset(int slice)
    {
        int offset = 0;
        for (int a = LeadingShape.Length - 1; a >= 0; a--)
        {
            int size = LeadingShape[a];
            offset += slice % size * LeadingStrides[a];
            slice /= size;
        }
        return offset;
    }

    /// <summary>One past the largest element index the layout reaches.</summary>
    public long Extent(int rows, int width)
    {
        long last = (long)(rows - 1) * RowStride + width;
        for (int a = 0; a < LeadingShape.Length; a++) last += (long)(LeadingShape[a] - 1) * LeadingStrides[a];
        return last;
    }
}

/// <summary>The sizes of one attention call: slices of [QueryLength, HeadSize] queries against KeyLength keys.</summary>
internal readonly record struct AttentionShape(int Slices, int QueryLength, int KeyLength, int HeadSize, int ValueSize, double Scale, bool Causal)
{
    /// <summary>The keys query row i attends to: all of them, or with the causal mask 0..i (and never more than exist).</summary>
    public int KeysSeen(int i) => Causal ? Math.Min(i + 1, KeyLength) : KeyLength;
}

/// <summary>
/// Scaled dot-product attention, O = softmax(Q·Kᵀ·scale [+ causal mask])·V, per batched slice, forward and
/// backward, for float and double. The causal mask is not a tensor: query row i simply stops at key i, so the
/// masked scores are never computed, and their probabilities are stored as 0.
/// </summary>
/// <remarks>
/// Slices are independent and split over threads, one work item each; inside a slice every sum runs in a fixed
/// order, so results are bit-identical for any <see cref="Parallelism.MaxThreads"/>. Each slice copies Kᵀ (forward)
/// or Vᵀ (backward) into scratch so that a row of scores is a sum of HeadSize scaled rows of the transpose — vector
/// multiply-adds along the keys with no horizontal sums. The softmax subtracts the row's maximum, so scores of any
/// magnitude are safe.
/// </remarks>
internal static unsafe class AttentionKernel
{
    /// <summary>
    /// Writes O and the probabilities P = softmax(Q·Kᵀ·scale) (masked entries 0), [Slices, QueryLength, KeyLength]
    /// dense, which <see cref="Backward{T}"/> reads.
    /// </summary>
    public static void Forward<T>(ReadOnlySpan<T> q, in SliceLayout ql, ReadOnlySpan<T> k, in SliceLayout kl, ReadOnlySpan<T> v,
        in SliceLayout vl, Span<T> output, in SliceLayout ol, Span<T> probabilities, AttentionShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckExtent(q.Length, ql, shape.QueryLength, shape.HeadSize, nameof(q));
        CheckExtent(k.Length, kl, shape.KeyLength, shape.HeadSize, nameof(k));
        CheckExtent(v.Length, vl, shape.KeyLength, shape.ValueSize, nameof(v));
        CheckExtent(output.Length, ol, shape.QueryLength, shape.ValueSize, nameof(output));
        if (probabilities.Length != (long)shape.Slices * shape.QueryLength * shape.KeyLength)
            throw new ArgumentException($"attention kernel: {probabilities.Length} probabilities for {shape}", nameof(probabilities));
        if (shape.Slices == 0 || shape.QueryLength == 0) return;
        fixed (T* pq = q) fixed (T* pk = k) fixed (T* pv = v) fixed (T* po = output) fixed (T* pp = probabilities)
        {
            var body = new ForwardBody<T> { Q = pq, K = pk, V = pv, O = po, P = pp, Ql = ql, Kl = kl, Vl = vl, Ol = ol, Shape = shape };
            Parallelism.For(shape.Slices, Work(shape), body);
        }
    }

    /// <summary>
    /// The gradients of <see cref="Forward{T}"/> for the upstream gradient dO: dV = Pᵀ·dO, dS = P ⊙ (dO·Vᵀ − rowsum(P ⊙ dO·Vᵀ))·scale,
    /// dQ = dS·K, dK = dSᵀ·Q. Any of dq, dk, dv may be empty to skip it; they are overwritten.
    /// </summary>
    public static void Backward<T>(ReadOnlySpan<T> q, in SliceLayout ql, ReadOnlySpan<T> k, in SliceLayout kl, ReadOnlySpan<T> v,
        in SliceLayout vl, ReadOnlySpan<T> probabilities, ReadOnlySpan<T> gradOutput, in SliceLayout gl,
        Span<T> dq, in SliceLayout dql, Span<T> dk, in SliceLayout dkl, Span<T> dv, in SliceLayout dvl, AttentionShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckExtent(q.Length, ql, shape.QueryLength, shape.HeadSize, nameof(q));
        CheckExtent(k.Length, kl, shape.KeyLength, shape.HeadSize, nameof(k));
        CheckExtent(v.Length, vl, shape.KeyLength, shape.ValueSize, nameof(v));
        CheckExtent(gradOutput.Length, gl, shape.QueryLength, shape.ValueSize, nameof(gradOutput));
        if (!dq.IsEmpty) CheckExtent(dq.Length, dql, shape.QueryLength, shape.HeadSize, nameof(dq));
        if (!dk.IsEmpty) CheckExtent(dk.Length, dkl, shape.KeyLength, shape.HeadSize, nameof(dk));
        if (!dv.IsEmpty) CheckExtent(dv.Length, dvl, shape.KeyLength, shape.ValueSize, nameof(dv));
        if (probabilities.Length != (long)shape.Slices * shape.QueryLength * shape.KeyLength)
            throw new ArgumentException($"attention kernel: {probabilities.Length} probabilities for {shape}", nameof(probabilities));
        if (shape.Slices == 0) return;
        fixed (T* pq = q) fixed (T* pk = k) fixed (T* pv = v) fixed (T* pp = probabilities) fixed (T* pg = gradOutput)
        fixed (T* pdq = dq) fixed (T* pdk = dk) fixed (T* pdv = dv)
        {
            var body = new BackwardBody<T>
            {
                Q = pq, K = pk, V = pv, P = pp, G = pg, Dq = dq.IsEmpty ? null : pdq, Dk = dk.IsEmpty ? null : pdk, Dv = dv.IsEmpty ? null : pdv,
                Ql = ql, Kl = kl, Vl = vl, Gl = gl, Dql = dql, Dkl = dkl, Dvl = dvl, Shape = shape,
            };
            Parallelism.For(shape.Slices, 2 * Work(shape), body);
        }
    }

    private static long Work(AttentionShape s) =>
        (long)s.QueryLength * s.KeyLength * (s.HeadSize + s.ValueSize) / (s.Causal ? 2 : 1) + 1;

    private static void CheckExtent(int length, in SliceLayout layout, int rows, int width, string name)
    {
        if (rows > 0 && width > 0 && layout.LeadingShape.Length > 0 && layout.Extent(rows, width) > length)
            throw new ArgumentException($"attention kernel: buffer {name} of {length} elements is too short for its layout", name);
    }

    // Scores are computed over whole vectors of keys: the last partial vector's extra scores are computed (from
    // real keys, so finite) and ignored, which is cheaper than a scalar tail.
    private static int Padded(int seen, int keys) => Math.Min(keys, (seen + 15) & ~15);

    private struct ForwardBody<T> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* Q, K, V, O, P;
        public SliceLayout Ql, Kl, Vl, Ol;
        public AttentionShape Shape;

        public readonly void Invoke(int slice)
        {
            int tq = Shape.QueryLength, s = Shape.KeyLength, hs = Shape.HeadSize, hv = Shape.ValueSize;
            T scale = T.CreateTruncating(Shape.Scale);
            T* q = Q + Ql.Offset(slice), k = K + Kl.Offset(slice), v = V + Vl.Offset(slice), o = O + Ol.Offset(slice);
            T[] scratch = ArrayPool<T>.Shared.Rent(hs * s);
            try
            {
                fixed (T* kt = scratch)
                {
                    Transpose(k, Kl.RowStride, kt, s, hs);
                    if (AttentionTiles.Tiled<T>(s) && AttentionTiles.Tiled<T>(hs) && AttentionTiles.Tiled<T>(hv))
                    {
                        TiledSlice(q, kt, v, o, P + (long)slice * tq * s, scale);
                        return;
                    }
                    for (int i = 0; i < tq; i++)
                    {
                        int seen = Shape.KeysSeen(i), padded = Padded(seen, s);
                        T* p = P + ((long)slice * tq + i) * s, qi = q + (nint)i * Ql.RowStride, oi = o + (nint)i * Ol.RowStride;
                        if (seen == 0)
                        {
                            // No keys at all: an empty softmax, and O = 0 as the empty sum P·V.
                            ShortRowMath.Clear(oi, hv);
                            continue;
                        }
                        // scores[j] = Σ_d q[i,d]·Kᵀ[d,j], then P = softmax(scale·scores) with the masked keys 0.
                        ShortRowMath.CombineRows(qi, 1, hs, kt, s, p, padded);
                        ShortRowMath.ScaledSoftmax(p, seen, padded, scale);
                        ShortRowMath.Clear(p + padded, s - padded);
                        // o[i] = Σ_j p[j]·v[j]
                        ShortRowMath.CombineRows(p, 1, seen, v, Vl.RowStride, oi, hv);
                    }
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(scratch);
            }
        }

        // Four query rows at a time: their scores against the keys the last of them sees (the first rows' extra
        // scores are finite and masked by the softmax), the four softmaxes, then their outputs as one tile. The
        // probabilities past a row's keys are 0, so the output sums over the tile's keys equal the row's own.
        private readonly void TiledSlice(T* q, T* kt, T* v, T* o, T* pSlice, T scale)
        {
            int tq = Shape.QueryLength, s = Shape.KeyLength, hs = Shape.HeadSize, hv = Shape.ValueSize;
            for (int i0 = 0; i0 < tq; i0 += 4)
            {
                int rows = Math.Min(4, tq - i0), extent = Shape.KeysSeen(i0 + rows - 1), padded = Padded(extent, s);
                T* p0 = pSlice + (nint)i0 * s;
                AttentionTiles.Rows(q + (nint)i0 * Ql.RowStride, Ql.RowStride, 1, rows, hs, kt, s, p0, s, padded);
                for (int t = 0; t < rows; t++)
                {
                    T* p = p0 + (nint)t * s;
                    ShortRowMath.ScaledSoftmaxWhole(p, Shape.KeysSeen(i0 + t), padded, scale);
                    ShortRowMath.Clear(p + padded, s - padded);
                }
                AttentionTiles.Rows(p0, s, 1, rows, extent, v, Vl.RowStride, o + (nint)i0 * Ol.RowStride, Ol.RowStride, hv);
            }
        }
    }

    private struct BackwardBody<T> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* Q, K, V, P, G, Dq, Dk, Dv;
        public SliceLayout Ql, Kl, Vl, Gl, Dql, Dkl, Dvl;
        public AttentionShape Shape;

        public readonly void Invoke(int slice)
        {
            int tq = Shape.QueryLength, s = Shape.KeyLength, hs = Shape.HeadSize, hv = Shape.ValueSize;
            T scale = T.CreateTruncating(Shape.Scale);
            T* q = Q + Ql.Offset(slice), k = K + Kl.Offset(slice), v = V + Vl.Offset(slice), g = G + Gl.Offset(slice);
            T* dq = Dq is null ? null : Dq + Dql.Offset(slice);
            T* dk = Dk is null ? null : Dk + Dkl.Offset(slice);
            T* dv = Dv is null ? null : Dv + Dvl.Offset(slice);
            T[] scratch = ArrayPool<T>.Shared.Rent(hv * s + tq * s);
            try
            {
                fixed (T* vt = scratch)
                {
                    // dS for the whole slice, row by row; then dK and dV key by key, as sums down its columns.
                    T* dsAll = vt + (nint)hv * s;
                    Transpose(v, Vl.RowStride, vt, s, hv);
                    if (AttentionTiles.Tiled<T>(s) && AttentionTiles.Tiled<T>(hs) && AttentionTiles.Tiled<T>(hv))
                    {
                        TiledSlice(q, k, g, vt, dsAll, P + (long)slice * tq * s, dq, dk, dv, scale);
                        return;
                    }
                    for (int i = 0; i < tq; i++)
                    {
                        int seen = Shape.KeysSeen(i), padded = Padded(seen, s);
                        T* p = P + ((long)slice * tq + i) * s, gi = g + (nint)i * Gl.RowStride, ds = dsAll + (nint)i * s;
                        // dP[j] = Σ_d dO[i,d]·Vᵀ[d,j]; then dS = P ⊙ (dP − Σ_j P·dP)·scale
                        ShortRowMath.CombineRows(gi, 1, hv, vt, s, ds, padded);
                        T dot = ShortRowMath.Dot(p, ds, seen);
                        ShortRowMath.SoftmaxBackward(p, ds, dot, scale, seen);
                        // dQ[i] = Σ_j dS[i,j]·K[j]
                        if (dq is not null) ShortRowMath.CombineRows(ds, 1, seen, k, Kl.RowStride, dq + (nint)i * Dql.RowStride, hs);
                    }
                    T* pSlice = P + (long)slice * tq * s;
                    for (int j = 0; j < s; j++)
                    {
                        // The queries that see key j: all, or with the causal mask those from j on.
                        int first = Shape.Causal ? Math.Min(j, tq) : 0, count = tq - first;
                        // dK[j] = Σ_i dS[i,j]·Q[i], dV[j] = Σ_i P[i,j]·dO[i]
                        if (dk is not null)
                            ShortRowMath.CombineRows(dsAll + (nint)first * s + j, s, count, q + (nint)first * Ql.RowStride, Ql.RowStride,
                                dk + (nint)j * Dkl.RowStride, hs);
                        if (dv is not null)
                            ShortRowMath.CombineRows(pSlice + (nint)first * s + j, s, count, g + (nint)first * Gl.RowStride, Gl.RowStride,
                                dv + (nint)j * Dvl.RowStride, hv);
                    }
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(scratch);
            }
        }

        // The same sums in tiles of four rows (AttentionTiles.Rows): dS four query rows at a time over the keys the
        // last of them sees, dQ from those rows, then dK and dV four keys at a time over the queries that see the
        // first of them. Every extra term is a product with a masked entry of P or dS, which is exactly 0 (P is
        // stored 0 there, so dS = P ⊙ (…) is 0 too), so the sums equal the untiled ones term by term.
        private readonly void TiledSlice(T* q, T* k, T* g, T* vt, T* dsAll, T* pSlice, T* dq, T* dk, T* dv, T scale)
        {
            int tq = Shape.QueryLength, s = Shape.KeyLength, hs = Shape.HeadSize, hv = Shape.ValueSize;
            for (int i0 = 0; i0 < tq; i0 += 4)
            {
                int rows = Math.Min(4, tq - i0), extent = Shape.KeysSeen(i0 + rows - 1), padded = Padded(extent, s);
                T* ds0 = dsAll + (nint)i0 * s;
                // dP[i, j] = Σ_d dO[i,d]·Vᵀ[d,j], then dS = P ⊙ (dP − Σ_j P·dP)·scale (0 wherever P is 0).
                AttentionTiles.Rows(g + (nint)i0 * Gl.RowStride, Gl.RowStride, 1, rows, hv, vt, s, ds0, s, padded);
                for (int t = 0; t < rows; t++)
                {
                    T* ds = ds0 + (nint)t * s;
                    ShortRowMath.SoftmaxBackwardWhole(pSlice + (nint)(i0 + t) * s, ds, scale, padded);
                    ShortRowMath.Clear(ds + padded, s - padded);
                }
                // dQ[i] = Σ_j dS[i,j]·K[j]
                if (dq is not null)
                    AttentionTiles.Rows(ds0, s, 1, rows, extent, k, Kl.RowStride, dq + (nint)i0 * Dql.RowStride, Dql.RowStride, hs);
            }
            for (int j0 = 0; j0 < s; j0 += 4)
            {
                int keys = Math.Min(4, s - j0), first = Shape.Causal ? Math.Min(j0, tq) : 0, count = tq - first;
                // dK[j] = Σ_i dS[i,j]·Q[i], dV[j] = Σ_i P[i,j]·dO[i]: columns of dS and P as the coefficients.
                if (dk is not null)
                    AttentionTiles.Rows(dsAll + (nint)first * s + j0, 1, s, keys, count, q + (nint)first * Ql.RowStride, Ql.RowStride,
                        dk + (nint)j0 * Dkl.RowStride, Dkl.RowStride, hs);
                if (dv is not null)
                    AttentionTiles.Rows(pSlice + (nint)first * s + j0, 1, s, keys, count, g + (nint)first * Gl.RowStride, Gl.RowStride,
                        dv + (nint)j0 * Dvl.RowStride, Dvl.RowStride, hv);
            }
        }
    }

    // dst[d·rows + j] = src[j·stride + d]: a [rows, width] block transposed into dense [width, rows].
    private static void Transpose<T>(T* src, int stride, T* dst, int rows, int width) where T : unmanaged
    {
        for (int j = 0; j < rows; j++)
        {
            T* r = src + (nint)j * stride;
            for (int d = 0; d < width; d++) dst[(nint)d * rows + j] = r[d];
        }
    }
}
