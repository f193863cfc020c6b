using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>
/// The register-tiled product every step of the attention kernel is made of: up to four output rows at once,
/// c[t, 0..width) = Σ_r a[t·aRowStride + r·aStride]·b[r·bStride + 0..width) for t in [0, rows), r in [0, count).
/// Four rows share each load of a row of b, so a loaded vector feeds four multiply-adds instead of one, and the
/// 8–16 independent accumulators hide the multiply-add latency. Each output element is one fused multiply-add chain
/// over r in increasing order, so results depend only on the sizes, never on the threads.
/// </summary>
internal static unsafe class AttentionTiles
{
    /// <summary>Whether <see cref="Rows{T}"/> takes its tiled path for this width: Vector512 hardware and whole vectors.</summary>
    public static bool Tiled<T>(int width) where T : unmanaged =>
        Vector512.IsHardwareAccelerated && width > 0 && width % Vector512<T>.Count == 0;

    /// <summary>
    /// c[t, 0..width) = Σ_r a[t·aRowStride + r·aStride]·b[r·bStride + 0..width), overwriting c, for every row t in
    /// [0, rows) in tiles of four (the last rows one by one through <see cref="ShortRowMath.CombineRows{T}"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows<T>(T* a, nint aRowStride, nint aStride, int rows, int count, T* b, nint bStride, T* c, nint cRowStride, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int t = 0;
        if (Tiled<T>(width))
            for (; t + 4 <= rows; t += 4)
                Four(a + t * aRowStride, aRowStride, aStride, count, b, bStride, c + t * cRowStride, cRowStride, width);
        for (; t < rows; t++)
            ShortRowMath.CombineRows(a + t * aRowStride, (int)aStride, count, b, (int)bStride, c + t * cRowStride, width);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma<T>(Vector512<T> x, Vector512<T> y, Vector512<T> acc) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(x.As<T, float>(), y.As<T, float>(), acc.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.FusedMultiplyAdd(x.As<T, double>(), y.As<T, double>(), acc.As<T, double>()).As<double, T>();
        return x * y + acc;
    }

    // Four rows of c; width is a whole number of vectors, taken four, then two, then one vector at a time.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Four<T>(T* a, nint aRowStride, nint aStride, int count, T* b, nint bStride, T* c, nint cRowStride, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = Vector512<T>.Count, col = 0;
        T* a0 = a, a1 = a + aRowStride, a2 = a + 2 * aRowStride, a3 = a + 3 * aRowStride;
        T* c0 = c, c1 = c + cRowStride, c2 = c + 2 * cRowStride, c3 = c + 3 * cRowStride;
        for (; col + 4 * n <= width; col += 4 * n)
        {
            Vector512<T> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default;
            Vector512<T> s20 = default, s21 = default, s22 = default, s23 = default, s30 = default, s31 = default, s32 = default, s33 = default;
            T* row = b + col;
            for (nint r = 0; r < count; r++, row += bStride)
            {
                var b0 = Vector512.Load(row);
                var b1 = Vector512.Load(row + n);
                var b2 = Vector512.Load(row + 2 * n);
                var b3 = Vector512.Load(row + 3 * n);
                nint ar = r * aStride;
                var x = Vector512.Create(a0[ar]);
                s00 = Fma(x, b0, s00); s01 = Fma(x, b1, s01); s02 = Fma(x, b2, s02); s03 = Fma(x, b3, s03);
                x = Vector512.Create(a1[ar]);
                s10 = Fma(x, b0, s10); s11 = Fma(x, b1, s11); s12 = Fma(x, b2, s12); s13 = Fma(x, b3, s13);
                x = Vector512.Create(a2[ar]);
                s20 = Fma(x, b0, s20); s21 = Fma(x, b1, s21); s22 = Fma(x, b2, s22); s23 = Fma(x, b3, s23);
                x = Vector512.Create(a3[ar]);
                s30 = Fma(x, b0, s30); s31 = Fma(x, b1, s31); s32 = Fma(x, b2, s32); s33 = Fma(x, b3, s33);
            }
            Store4(s00, s01, s02, s03, c0 + col, n);
            Store4(s10, s11, s12, s13, c1 + col, n);
            Store4(s20, s21, s22, s23, c2 + col, n);
            Store4(s30, s31, s32, s33, c3 + col, n);
        }
        for (; col + 2 * n <= width; col += 2 * n)
        {
            Vector512<T> s00 = default, s01 = default, s10 = default, s11 = default, s20 = default, s21 = default, s30 = default, s31 = default;
            T* row = b + col;
            for (nint r = 0; r < count; r++, row += bStride)
            {
                var b0 = Vector512.Load(row);
                var b1 = Vector512.Load(row + n);
                nint ar = r * aStride;
                var x = Vector512.Create(a0[ar]);
                s00 = Fma(x, b0, s00); s01 = Fma(x, b1, s01);
                x = Vector512.Create(a1[ar]);
                s10 = Fma(x, b0, s10); s11 = Fma(x, b1, s11);
                x = Vector512.Create(a2[ar]);
                s20 = Fma(x, b0, s20); s21 = Fma(x, b1, s21);
                x = Vector512.Create(a3[ar]);
                s30 = Fma(x, b0, s30); s31 = Fma(x, b1, s31);
            }
            Vector512.Store(s00, c0 + col); Vector512.Store(s01, c0 + col + n);
            Vector512.Store(s10, c1 + col); Vector512.Store(s11, c1 + col + n);
            Vector512.Store(s20, c2 + col); Vector512.Store(s21, c2 + col + n);
            Vector512.Store(s30, c3 + col); Vector512.Store(s31, c3 + col + n);
        }
        for (; col < width; col += n)
        {
            Vector512<T> s0 = default, s1 = default, s2 = default, s3 = default;
            T* row = b + col;
            for (nint r = 0; r < count; r++, row += bStride)
            {
                var b0 = Vector512.Load(row);
                nint ar = r * aStride;
                s0 = Fma(Vector512.Create(a0[ar]), b0, s0);
                s1 = Fma(Vector512.Create(a1[ar]), b0, s1);
                s2 = Fma(Vector512.Create(a2[ar]), b0, s2);
                s3 = Fma(Vector512.Create(a3[ar]), b0, s3);
            }
            Vector512.Store(s0, c0 + col);
            Vector512.Store(s1, c1 + col);
            Vector512.Store(s2, c2 + col);
            Vector512.Store(s3, c3 + col);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4<T>(Vector512<T> x0, Vector512<T> x1, Vector512<T> x2, Vector512<T> x3, T* dst, int n) where T : unmanaged
    {
        Vector512.Store(x0, dst);
        Vector512.Store(x1, dst + n);
        Vector512.Store(x2, dst + 2 * n);
        Vector512.Store(x3, dst + 3 * n);
    }
}
