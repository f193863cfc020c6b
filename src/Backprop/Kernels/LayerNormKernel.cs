using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>
/// Layer normalisation over the last axis of a row-major [rows, cols] matrix, fused: one forward pass per row
/// (mean, biased variance, normalise, scale, shift; the mean and 1/√(var + ε) saved per row) and one backward pass
/// per row (dx, and this row's share of dweight and dbias), for float and double.
/// </summary>
/// <remarks>
/// Rows are split over threads in chunks of <see cref="RowsPerChunk"/>. dweight and dbias are sums over all rows: each
/// chunk sums its rows into a partial of its own, in row order, and the partials are added in chunk order, so the
/// result is bit-identical for any <see cref="Parallelism.MaxThreads"/>. The variance is computed in a second pass
/// over the row (Σ(x − mean)²), not as E[x²] − mean², which cancels catastrophically for rows with a large mean.
/// </remarks>
internal static unsafe class LayerNormKernel
{
    /// <summary>Rows per work item, and per partial sum of the parameter gradients; fixed, so sums do not depend on threads.</summary>
    public const int RowsPerChunk = 32;

    /// <summary>
    /// y = (x − mean)·rstd·weight + bias per row, with rstd = 1/√(var + eps) and var the biased variance.
    /// </summary>
    /// <param name="x">[rows, cols].</param>
    /// <param name="weight">[cols], or empty for none (a scale of 1).</param>
    /// <param name="bias">[cols], or empty for none (a shift of 0).</param>
    /// <param name="y">[rows, cols]; may not alias <paramref name="x"/>.</param>
    /// <param name="mean">[rows]; receives each row's mean.</param>
    /// <param name="rstd">[rows]; receives each row's 1/√(var + eps).</param>
    /// <param name="rows">Rows.</param>
    /// <param name="cols">Columns (the normalised axis), at least 1.</param>
    /// <param name="eps">Added to the variance.</param>
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> y, Span<T> mean, Span<T> rstd,
        int rows, int cols, double eps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x.Length, weight.Length, bias.Length, y.Length, mean.Length, rstd.Length, rows, cols);
        if (rows == 0) return;
        fixed (T* px = x) fixed (T* pw = weight) fixed (T* pb = bias) fixed (T* py = y) fixed (T* pm = mean) fixed (T* pr = rstd)
        {
            var body = new ForwardBody<T>
            {
                X = px, W = weight.IsEmpty ? null : pw, B = bias.IsEmpty ? null : pb, Y = py, Mean = pm, Rstd = pr,
                Rows = rows, Cols = cols, Eps = T.CreateTruncating(eps),
            };
            Parallelism.For(Chunks(rows), (long)RowsPerChunk * cols * 6, body);
        }
    }

    /// <summary>
    /// The gradients of <see cref="Forward{T}"/> for the upstream gradient <paramref name="dy"/>: with x̂ = (x − mean)·rstd
    /// and g = dy·weight, dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) per row, dweight = Σ_rows dy·x̂, dbias = Σ_rows dy.
    /// </summary>
    /// <param name="x">The forward input [rows, cols].</param>
    /// <param name="weight">[cols], or empty when the forward had none.</param>
    /// <param name="mean">The means saved by the forward.</param>
    /// <param name="rstd">The 1/√(var + eps) saved by the forward.</param>
    /// <param name="dy">[rows, cols].</param>
    /// <param name="dx">[rows, cols], overwritten; empty to skip. May alias <paramref name="dy"/>.</param>
    /// <param name="dweight">[cols], overwritten; empty to skip.</param>
    /// <param name="dbias">[cols], overwritten; empty to skip.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="cols">Columns.</param>
    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> mean, ReadOnlySpan<T> rstd, ReadOnlySpan<T> dy,
        Span<T> dx, Span<T> dweight, Span<T> dbias, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x.Length, weight.Length, 0, dy.Length, mean.Length, rstd.Length, rows, cols);
        if (!dx.IsEmpty && dx.Length != x.Length) throw new ArgumentException($"dx has {dx.Length} elements, expected {x.Length}", nameof(dx));
        if (!dweight.IsEmpty && dweight.Length != cols) throw new ArgumentException($"dweight has {dweight.Length} elements, expected {cols}", nameof(dweight));
        if (!dbias.IsEmpty && dbias.Length != cols) throw new ArgumentException($"dbias has {dbias.Length} elements, expected {cols}", nameof(dbias));
        bool parameters = !dweight.IsEmpty || !dbias.IsEmpty;
        if (rows == 0)
        {
            dweight.Clear();
            dbias.Clear();
            return;
        }
        int chunks = Chunks(rows);
        // Per chunk: cols partial sums of dy·x̂ (dweight), then cols of dy (dbias).
        T[]? partials = parameters ? ArrayPool<T>.Shared.Rent(chunks * 2 * cols) : null;
        try
        {
            fixed (T* px = x) fixed (T* pw = weight) fixed (T* pm = mean) fixed (T* pr = rstd) fixed (T* pdy = dy) fixed (T* pdx = dx)
            fixed (T* pp = partials)
            {
                var body = new BackwardBody<T>
                {
                    X = px, W = weight.IsEmpty ? null : pw, Mean = pm, Rstd = pr, Dy = pdy, Dx = dx.IsEmpty ? null : pdx,
                    Partials = pp, Rows = rows, Cols = cols,
                };
                Parallelism.For(chunks, (long)RowsPerChunk * cols * 10, body);
            }
            if (parameters)
            {
                var p = partials.AsSpan(0, chunks * 2 * cols);
                // Added in chunk order, whatever thread computed which chunk.
                if (!dweight.IsEmpty)
                {
                    p.Slice(0, cols).CopyTo(dweight);
                    for (int c = 1; c < chunks; c++) System.Numerics.Tensors.TensorPrimitives.Add(dweight, p.Slice(c * 2 * cols, cols), dweight);
                }
                if (!dbias.IsEmpty)
                {
                    p.Slice(cols, cols).CopyTo(dbias);
                    for (int c = 1; c < chunks; c++) System.Numerics.Tensors.TensorPrimitives.Add(dbias, p.Slice(c * 2 * cols + cols, cols), dbias);
                }
            }
        }
        finally
        {
            if (partials is not null) ArrayPool<T>.Shared.Return(partials);
        }
    }

    private static int Chunks(int rows) => (rows + RowsPerChunk - 1) / RowsPerChunk;

    private static void Check(int x, int weight, int bias, int y, int mean, int rstd, int rows, int cols)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        long required = (long)rows * cols;
        if (x != required || y != required)
            throw new ArgumentException($"layer_norm kernel: buffers of {x} and {y} elements for a {rows}×{cols} matrix (expected {required})");
        if ((weight != 0 && weight != cols) || (bias != 0 && bias != cols))
            throw new ArgumentException($"layer_norm kernel: weight of {weight} and bias of {bias} elements for rows of {cols}");
        if (mean != rows || rstd != rows)
            throw new ArgumentException($"layer_norm kernel: {mean} means and {rstd} rstds for {rows} rows");
    }

    private struct ForwardBody<T> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* X, W, B, Y, Mean, Rstd;
        public int Rows, Cols;
        public T Eps;

        public readonly void Invoke(int index)
        {
            int first = index * RowsPerChunk, last = Math.Min(Rows, first + RowsPerChunk), n = Cols;
            T count = T.CreateTruncating(n);
            for (int r = first; r < last; r++)
            {
                T* x = X + (nint)r * n, y = Y + (nint)r * n;
                T mean = ShortRowMath.Sum(x, n) / count;
                T variance = ShortRowMath.SumSquaredDeviation(x, mean, n) / count;
                T rstd = T.One / T.Sqrt(variance + Eps);
                Mean[r] = mean;
                Rstd[r] = rstd;
                NormalizeRow(x, W, B, y, mean, rstd, n);
            }
        }
    }

    // y = (x − mean)·rstd·w + b, with w and b optional.
    private static void NormalizeRow<T>(T* x, T* w, T* b, T* y, T mean, T rstd, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            var vm = Vector512.Create(mean);
            var vr = Vector512.Create(rstd);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var v = (Vector512.Load(x + i) - vm) * vr;
                if (w is not null) v *= Vector512.Load(w + i);
                if (b is not null) v += Vector512.Load(b + i);
                Vector512.Store(v, y + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var vm = Vector256.Create(mean);
            var vr = Vector256.Create(rstd);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var v = (Vector256.Load(x + i) - vm) * vr;
                if (w is not null) v *= Vector256.Load(w + i);
                if (b is not null) v += Vector256.Load(b + i);
                Vector256.Store(v, y + i);
            }
        }
        for (; i < n; i++)
        {
            T v = (x[i] - mean) * rstd;
            if (w is not null) v *= w[i];
            if (b is not null) v += b[i];
            y[i] = v;
        }
    }

    private struct BackwardBody<T> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* X, W, Mean, Rstd, Dy, Dx, Partials;
        public int Rows, Cols;

        public readonly void Invoke(int index)
        {
            int first = index * RowsPerChunk, last = Math.Min(Rows, first + RowsPerChunk), n = Cols;
            T* dw = Partials is null ? null : Partials + (nint)index * 2 * n;
            T* db = dw is null ? null : dw + n;
            if (dw is not null) ShortRowMath.Clear(dw, 2 * n);
            T count = T.CreateTruncating(n);
            for (int r = first; r < last; r++)
            {
                T* x = X + (nint)r * n, dy = Dy + (nint)r * n;
                T mean = Mean[r], rstd = Rstd[r];
                // Pass 1: Σ g and Σ g·x̂ for dx, and this row's terms of dweight and dbias.
                var (sumG, sumGx) = RowSums(x, W, dy, dw, db, mean, rstd, n);
                if (Dx is not null)
                    InputGradientRow(x, W, dy, Dx + (nint)r * n, mean, rstd, sumG / count, sumGx / count, n);
            }
        }
    }

    private static (T SumG, T SumGx) RowSums<T>(T* x, T* w, T* dy, T* dw, T* db, T mean, T rstd, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        T sumG = T.Zero, sumGx = T.Zero;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            var vm = Vector512.Create(mean);
            var vr = Vector512.Create(rstd);
            Vector512<T> accG = default, accGx = default;
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var xh = (Vector512.Load(x + i) - vm) * vr;
                var d = Vector512.Load(dy + i);
                var g = w is null ? d : d * Vector512.Load(w + i);
                accG += g;
                accGx += g * xh;
                if (dw is not null)
                {
                    Vector512.Store(Vector512.Load(dw + i) + d * xh, dw + i);
                    Vector512.Store(Vector512.Load(db + i) + d, db + i);
                }
            }
            sumG = Vector512.Sum(accG);
            sumGx = Vector512.Sum(accGx);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var vm = Vector256.Create(mean);
            var vr = Vector256.Create(rstd);
            Vector256<T> accG = default, accGx = default;
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var xh = (Vector256.Load(x + i) - vm) * vr;
                var d = Vector256.Load(dy + i);
                var g = w is null ? d : d * Vector256.Load(w + i);
                accG += g;
                accGx += g * xh;
                if (dw is not null)
                {
                    Vector256.Store(Vector256.Load(dw + i) + d * xh, dw + i);
                    Vector256.Store(Vector256.Load(db + i) + d, db + i);
                }
            }
            sumG = Vector256.Sum(accG);
            sumGx = Vector256.Sum(accGx);
        }
        for (; i < n; i++)
        {
            T xh = (x[i] - mean) * rstd, d = dy[i];
            T g = w is null ? d : d * w[i];
            sumG += g;
            sumGx += g * xh;
            if (dw is not null)
            {
                dw[i] += d * xh;
                db[i] += d;
            }
        }
        return (sumG, sumGx);
    }

    // dx = rstd·(g − mean(g) − x̂·mean(g·x̂)); dx may alias dy (each element is read before it is written).
    private static void InputGradientRow<T>(T* x, T* w, T* dy, T* dx, T mean, T rstd, T meanG, T meanGx, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            var vm = Vector512.Create(mean);
            var vr = Vector512.Create(rstd);
            var vg = Vector512.Create(meanG);
            var vgx = Vector512.Create(meanGx);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var xh = (Vector512.Load(x + i) - vm) * vr;
                var d = Vector512.Load(dy + i);
                var g = w is null ? d : d * Vector512.Load(w + i);
                Vector512.Store((g - vg - xh * vgx) * vr, dx + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var vm = Vector256.Create(mean);
            var vr = Vector256.Create(rstd);
            var vg = Vector256.Create(meanG);
            var vgx = Vector256.Create(meanGx);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var xh = (Vector256.Load(x + i) - vm) * vr;
                var d = Vector256.Load(dy + i);
                var g = w is null ? d : d * Vector256.Load(w + i);
                Vector256.Store((g - vg - xh * vgx) * vr, dx + i);
            }
        }
        for (; i < n; i++)
        {
            T xh = (x[i] - mean) * rstd, d = dy[i];
            T g = w is null ? d : d * w[i];
            dx[i] = (g - meanG - xh * meanGx) * rstd;
        }
    }
}
