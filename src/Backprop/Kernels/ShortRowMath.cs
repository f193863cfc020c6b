using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>
/// Inlined SIMD loops over short rows (a head of 32, a layer-norm row of 128, an attention row of 64): the attention
/// and layer-norm kernels call these thousands of times per slice, where a <c>TensorPrimitives</c> call's fixed cost
/// (dispatch, alignment checks) would be as large as the work. Vector512 where the hardware has it, else Vector256,
/// then a scalar tail. The lanes' order of summation depends only on the length, so results do not depend on threads.
/// </summary>
internal static unsafe class ShortRowMath
{
    /// <summary>y[i] += a·x[i] for i in [0, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy<T>(T a, T* x, T* y, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            var va = Vector512.Create(a);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
                Vector512.Store(Vector512.Load(x + i) * va + Vector512.Load(y + i), y + i);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var va = Vector256.Create(a);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                Vector256.Store(Vector256.Load(x + i) * va + Vector256.Load(y + i), y + i);
        }
        for (; i < n; i++) y[i] += a * x[i];
    }

    /// <summary>Σ x[i]·y[i] for i in [0, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Dot<T>(T* x, T* y, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        T sum = T.Zero;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            var acc = Vector512<T>.Zero;
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
                acc += Vector512.Load(x + i) * Vector512.Load(y + i);
            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var acc = Vector256<T>.Zero;
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                acc += Vector256.Load(x + i) * Vector256.Load(y + i);
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++) sum += x[i] * y[i];
        return sum;
    }

    /// <summary>Σ x[i] for i in [0, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum<T>(T* x, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        T sum = T.Zero;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            var acc = Vector512<T>.Zero;
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count) acc += Vector512.Load(x + i);
            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var acc = Vector256<T>.Zero;
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count) acc += Vector256.Load(x + i);
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++) sum += x[i];
        return sum;
    }

    /// <summary>Σ (x[i] − c)² for i in [0, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T SumSquaredDeviation<T>(T* x, T c, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        T sum = T.Zero;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            var acc = Vector512<T>.Zero;
            var vc = Vector512.Create(c);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var d = Vector512.Load(x + i) - vc;
                acc += d * d;
            }
            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var acc = Vector256<T>.Zero;
            var vc = Vector256.Create(c);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var d = Vector256.Load(x + i) - vc;
                acc += d * d;
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++)
        {
            T d = x[i] - c;
            sum += d * d;
        }
        return sum;
    }

    /// <summary>Σ (x[i] − c) and Σ (x[i] − c)² for i in [0, n), in one pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (T Sum, T SumSquares) SumDeviations<T>(T* x, T c, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        T sum = T.Zero, squares = T.Zero;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            Vector512<T> acc = default, acc2 = default;
            var vc = Vector512.Create(c);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var d = Vector512.Load(x + i) - vc;
                acc += d;
                acc2 += d * d;
            }
            (sum, squares) = (Vector512.Sum(acc), Vector512.Sum(acc2));
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            Vector256<T> acc = default, acc2 = default;
            var vc = Vector256.Create(c);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var d = Vector256.Load(x + i) - vc;
                acc += d;
                acc2 += d * d;
            }
            (sum, squares) = (Vector256.Sum(acc), Vector256.Sum(acc2));
        }
        for (; i < n; i++)
        {
            T d = x[i] - c;
            sum += d;
            squares += d * d;
        }
        return (sum, squares);
    }

    /// <summary>Σ a[i]·(x[i] − c) for i in [0, n): a dot product with x centred first, so a large c does not cancel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T SumProductDeviation<T>(T* a, T* x, T c, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        T sum = T.Zero;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            var acc = Vector512<T>.Zero;
            var vc = Vector512.Create(c);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
                acc += Vector512.Load(a + i) * (Vector512.Load(x + i) - vc);
            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var acc = Vector256<T>.Zero;
            var vc = Vector256.Create(c);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                acc += Vector256.Load(a + i) * (Vector256.Load(x + i) - vc);
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++) sum += a[i] * (x[i] - c);
        return sum;
    }

    /// <summary>x[i] *= a for i in [0, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scale<T>(T a, T* x, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            var va = Vector512.Create(a);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count) Vector512.Store(Vector512.Load(x + i) * va, x + i);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var va = Vector256.Create(a);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count) Vector256.Store(Vector256.Load(x + i) * va, x + i);
        }
        for (; i < n; i++) x[i] *= a;
    }

    /// <summary>
    /// dst[0..width) = Σ_r coefficients[r·coefficientStride]·rows[r·rowStride + 0..width), for r in [0, count): a
    /// row vector times a matrix, with up to four vectors of dst held in registers over the whole sum (no store until
    /// the end), which is what makes the attention kernel's short rows fast. Overwrites dst.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CombineRows<T>(T* coefficients, int coefficientStride, int count, T* rows, int rowStride, T* dst, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int col = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            int n = Vector512<T>.Count;
            for (; col + 4 * n <= width; col += 4 * n)
            {
                Vector512<T> a0 = default, a1 = default, a2 = default, a3 = default;
                T* row = rows + col;
                for (int r = 0; r < count; r++, row += rowStride)
                {
                    var c = Vector512.Create(coefficients[(nint)r * coefficientStride]);
                    a0 += c * Vector512.Load(row);
                    a1 += c * Vector512.Load(row + n);
                    a2 += c * Vector512.Load(row + 2 * n);
                    a3 += c * Vector512.Load(row + 3 * n);
                }
                Vector512.Store(a0, dst + col);
                Vector512.Store(a1, dst + col + n);
                Vector512.Store(a2, dst + col + 2 * n);
                Vector512.Store(a3, dst + col + 3 * n);
            }
            // Narrower blocks would wait on one multiply-add chain per vector: the sum over r is split into two
            // (even and odd r) chains per vector, added at the end, so the order is fixed and the latency halved.
            for (; col + 2 * n <= width; col += 2 * n)
            {
                Vector512<T> a0 = default, a1 = default, b0 = default, b1 = default;
                T* row = rows + col;
                int r = 0;
                for (; r + 1 < count; r += 2, row += 2 * rowStride)
                {
                    var c = Vector512.Create(coefficients[(nint)r * coefficientStride]);
                    var d = Vector512.Create(coefficients[(nint)(r + 1) * coefficientStride]);
                    a0 += c * Vector512.Load(row);
                    a1 += c * Vector512.Load(row + n);
                    b0 += d * Vector512.Load(row + rowStride);
                    b1 += d * Vector512.Load(row + rowStride + n);
                }
                if (r < count)
                {
                    var c = Vector512.Create(coefficients[(nint)r * coefficientStride]);
                    a0 += c * Vector512.Load(row);
                    a1 += c * Vector512.Load(row + n);
                }
                Vector512.Store(a0 + b0, dst + col);
                Vector512.Store(a1 + b1, dst + col + n);
            }
            for (; col + n <= width; col += n)
            {
                Vector512<T> a0 = default, b0 = default;
                T* row = rows + col;
                int r = 0;
                for (; r + 1 < count; r += 2, row += 2 * rowStride)
                {
                    a0 += Vector512.Create(coefficients[(nint)r * coefficientStride]) * Vector512.Load(row);
                    b0 += Vector512.Create(coefficients[(nint)(r + 1) * coefficientStride]) * Vector512.Load(row + rowStride);
                }
                if (r < count) a0 += Vector512.Create(coefficients[(nint)r * coefficientStride]) * Vector512.Load(row);
                Vector512.Store(a0 + b0, dst + col);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            int n = Vector256<T>.Count;
            for (; col + 2 * n <= width; col += 2 * n)
            {
                Vector256<T> a0 = default, a1 = default;
                T* row = rows + col;
                for (int r = 0; r < count; r++, row += rowStride)
                {
                    var c = Vector256.Create(coefficients[(nint)r * coefficientStride]);
                    a0 += c * Vector256.Load(row);
                    a1 += c * Vector256.Load(row + n);
                }
                Vector256.Store(a0, dst + col);
                Vector256.Store(a1, dst + col + n);
            }
            for (; col + n <= width; col += n)
            {
                Vector256<T> a0 = default;
                T* row = rows + col;
                for (int r = 0; r < count; r++, row += rowStride)
                    a0 += Vector256.Create(coefficients[(nint)r * coefficientStride]) * Vector256.Load(row);
                Vector256.Store(a0, dst + col);
            }
        }
        for (; col < width; col++)
        {
            T sum = T.Zero;
            for (int r = 0; r < count; r++) sum += coefficients[(nint)r * coefficientStride] * rows[(nint)r * rowStride + col];
            dst[col] = sum;
        }
    }

    /// <summary>
    /// The softmax of scale·x[0..seen) in place, and 0 in x[seen..padded): scaled, the row maximum subtracted (so any
    /// magnitude is safe), exponentiated, divided by the sum. The elements in [seen, padded) must be finite (they are
    /// exponentiated with the rest, whole vectors being cheaper than a scalar tail, and then cleared).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaledSoftmax<T>(T* x, int seen, int padded, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        T max = T.NegativeInfinity;
        if (Vector512.IsHardwareAccelerated && padded >= Vector512<T>.Count)
        {
            var vs = Vector512.Create(scale);
            var vmax = Vector512.Create(T.NegativeInfinity);
            int whole = seen - seen % Vector512<T>.Count;
            for (; i < whole; i += Vector512<T>.Count)
            {
                var v = Vector512.Load(x + i) * vs;
                Vector512.Store(v, x + i);
                vmax = Vector512.Max(vmax, v);
            }
            // The rest of the padded row is scaled as whole vectors too; its first seen % Count elements count for the max.
            for (int j = i; j <= padded - Vector512<T>.Count; j += Vector512<T>.Count) Vector512.Store(Vector512.Load(x + j) * vs, x + j);
            var half = Vector256.Max(vmax.GetLower(), vmax.GetUpper());
            var quarter = Vector128.Max(half.GetLower(), half.GetUpper());
            for (int l = 0; l < Vector128<T>.Count; l++) max = T.Max(max, quarter.GetElement(l));
            for (; i < seen; i++) max = T.Max(max, x[i]);
            for (i = padded - padded % Vector512<T>.Count; i < padded; i++) x[i] *= scale;
        }
        else
        {
            for (; i < padded; i++)
            {
                x[i] *= scale;
                if (i < seen) max = T.Max(max, x[i]);
            }
        }
        i = 0;
        if (Vector512.IsHardwareAccelerated && padded >= Vector512<T>.Count)
        {
            var vm = Vector512.Create(max);
            for (; i <= padded - Vector512<T>.Count; i += Vector512<T>.Count)
                Vector512.Store(Exp(Vector512.Load(x + i) - vm), x + i);
        }
        for (; i < padded; i++) x[i] = T.Exp(x[i] - max);
        for (i = seen; i < padded; i++) x[i] = T.Zero;
        T inverse = T.One / Sum(x, padded);
        Scale(inverse, x, padded);
    }

    /// <summary>
    /// <see cref="ScaledSoftmax{T}"/> for a row of whole Vector512s (<paramref name="padded"/> a multiple of the
    /// vector length, <see cref="Vector512.IsHardwareAccelerated"/>): the elements past <paramref name="seen"/> are
    /// masked in the lanes instead of visited one by one, since scalar reads of a row just written as vectors stall
    /// on store forwarding and cost more than the row's whole arithmetic.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaledSoftmaxWhole<T>(T* x, int seen, int padded, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = Vector512<T>.Count;
        var vs = Vector512.Create(scale);
        var ninf = Vector512.Create(T.NegativeInfinity);
        var vmax = ninf;
        for (int i = 0; i < padded; i += n)
        {
            var v = Vector512.Load(x + i) * vs;
            Vector512.Store(v, x + i);
            var live = Vector512.LessThan(Vector512<T>.Indices, Vector512.Create(T.CreateTruncating(seen - i)));
            vmax = Vector512.Max(vmax, Vector512.ConditionalSelect(live, v, ninf));
        }
        var half = Vector256.Max(vmax.GetLower(), vmax.GetUpper());
        var quarter = Vector128.Max(half.GetLower(), half.GetUpper());
        T max = quarter.GetElement(0);
        for (int l = 1; l < Vector128<T>.Count; l++) max = T.Max(max, quarter.GetElement(l));
        var vm = Vector512.Create(max);
        var sum = Vector512<T>.Zero;
        for (int i = 0; i < padded; i += n)
        {
            var live = Vector512.LessThan(Vector512<T>.Indices, Vector512.Create(T.CreateTruncating(seen - i)));
            var shifted = Vector512.Load(x + i) - vm;
            var exp = typeof(T) == typeof(float) ? ExpFloat(shifted.As<T, float>()).As<float, T>() : Exp(shifted);
            var e = Vector512.ConditionalSelect(live, exp, Vector512<T>.Zero);
            Vector512.Store(e, x + i);
            sum += e;
        }
        var inverse = Vector512.Create(T.One / Vector512.Sum(sum));
        for (int i = 0; i < padded; i += n) Vector512.Store(Vector512.Load(x + i) * inverse, x + i);
    }

    /// <summary>
    /// <see cref="Dot{T}"/> then <see cref="SoftmaxBackward{T}"/> over a row of whole Vector512s (<paramref name="n"/>
    /// a multiple of the vector length): p must be 0 past the row's keys, which makes ds 0 there too (for finite
    /// ds), and no element is visited alone (see <see cref="ScaledSoftmaxWhole{T}"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SoftmaxBackwardWhole<T>(T* p, T* ds, T scale, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count;
        var acc = Vector512<T>.Zero;
        for (int i = 0; i < n; i += w) acc += Vector512.Load(p + i) * Vector512.Load(ds + i);
        var vd = Vector512.Create(Vector512.Sum(acc));
        var vs = Vector512.Create(scale);
        for (int i = 0; i < n; i += w)
            Vector512.Store((Vector512.Load(ds + i) - vd) * Vector512.Load(p + i) * vs, ds + i);
    }

    /// <summary>The softmax backward of one row, in place: ds[j] = p[j]·(ds[j] − dot)·scale for j in [0, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SoftmaxBackward<T>(T* p, T* ds, T dot, T scale, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            var vd = Vector512.Create(dot);
            var vs = Vector512.Create(scale);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
                Vector512.Store((Vector512.Load(ds + i) - vd) * Vector512.Load(p + i) * vs, ds + i);
        }
        for (; i < n; i++) ds[i] = (ds[i] - dot) * p[i] * scale;
    }

    /// <summary>
    /// e^x in float lanes for x ≤ 88 (a softmax's arguments are ≤ 0): x = n·ln 2 + r with |r| ≤ ln 2 / 2, ln 2 taken
    /// in two parts so that r is exact, e^r by Cephes expf's degree-6 polynomial, times 2ⁿ built in the exponent
    /// bits. Within 2 ulps of the rounded exact value (tests sweep the range against Math.Exp); 0 below −87.34, where
    /// the exact value is under the smallest normal float; NaN stays NaN. Several times cheaper than
    /// <see cref="Vector512.Exp(Vector512{float})"/>, which widens to double.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ExpFloat(Vector512<float> x)
    {
        var c = Vector512.Min(Vector512.Max(x, Vector512.Create(-87.33654f)), Vector512.Create(88f));
        var n = Vector512.Round(c * Vector512.Create(1.44269504088896341f));
        var r = c - n * Vector512.Create(0.693359375f);
        r -= n * Vector512.Create(-2.12194440e-4f);
        var y = Vector512.Create(1.9875691500e-4f);
        y = y * r + Vector512.Create(1.3981999507e-3f);
        y = y * r + Vector512.Create(8.3334519073e-3f);
        y = y * r + Vector512.Create(4.1665795894e-2f);
        y = y * r + Vector512.Create(1.6666665459e-1f);
        y = y * r + Vector512.Create(5.0000001201e-1f);
        y = y * (r * r) + r + Vector512<float>.One;
        var pow = Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();
        var e = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(-87.33654f)), Vector512<float>.Zero, y * pow);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), e, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Exp<T>(Vector512<T> v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) return Vector512.Exp(v.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.Exp(v.As<T, double>()).As<double, T>();
        throw new NotSupportedException(typeof(T).Name);
    }

    /// <summary>Sets x[i] = 0 for i in [0, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Clear<T>(T* x, int n) where T : unmanaged => new Span<T>(x, n).Clear();
}
