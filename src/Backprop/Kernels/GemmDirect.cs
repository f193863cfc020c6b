using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>
/// Unpacked, single-threaded GEMM for small products, where packing and thread hand-off would cost more than
/// the arithmetic (a 32×16×16 product is ~8K multiply-adds, well under a microsecond). Works straight on the
/// caller's row-major operands. Every element's result depends only on the operands and sizes, never on
/// <see cref="Parallelism.MaxThreads"/>.
/// </summary>
internal static unsafe class GemmDirect
{
    /// <summary>C = op(A)·op(B) (or C += when <paramref name="accumulate"/>); see <see cref="Gemm"/> for layouts.</summary>
    public static void Run<T>(T* a, T* b, T* c, int m, int n, int k, bool transA, bool transB, bool accumulate,
        GemmIsa isa) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // op(A)[i, p] = a[i·aRow + p·aCol]; row p of op(B) starts at b + p·ldb (when not transposed).
        nint aRow = transA ? 1 : k, aCol = transA ? m : 1;
        // Column strips of C one vector wide: C strip += Σ_p broadcast(op(A)[i,p]) · (row p of the B strip).
        // A transposed B strip is first packed (k×W values, a sliver, never the whole matrix) so rows are contiguous.
        T* strip = transB ? GemmPackBuffers.Get<T>(1, k * Vector512<T>.Count) : null;
        int j = 0;
        if (isa >= GemmIsa.Vector512)
            for (; j + Vector512<T>.Count <= n; j += Vector512<T>.Count)
            {
                if (transB)
                    GemmPacking.PackB(b, strip, true, n, k, 0, k, j, Vector512<T>.Count, Vector512<T>.Count);
                ColumnStrip512(a, transB ? strip : b + j, transB ? Vector512<T>.Count : n, c + j, m, n, k, aRow, aCol, accumulate);
            }
        if (isa >= GemmIsa.Vector256)
            for (; j + Vector256<T>.Count <= n; j += Vector256<T>.Count)
            {
                if (transB)
                    GemmPacking.PackB(b, strip, true, n, k, 0, k, j, Vector256<T>.Count, Vector256<T>.Count);
                ColumnStrip256(a, transB ? strip : b + j, transB ? Vector256<T>.Count : n, c + j, m, n, k, aRow, aCol, accumulate);
            }
        // Leftover columns one element at a time, with the same FMA sequence a vector lane would perform.
        nint bRow = transB ? 1 : n, bCol = transB ? k : 1;
        for (; j < n; j++)
            for (int i = 0; i < m; i++)
            {
                T s = accumulate ? c[(nint)i * n + j] : T.Zero;
                for (int p = 0; p < k; p++)
                    s = T.FusedMultiplyAdd(a[i * aRow + p * aCol], b[p * bRow + j * bCol], s);
                c[(nint)i * n + j] = s;
            }
    }

    /// <summary>
    /// Columns [0, W) of C (offset by the caller; row stride n) for all rows, four rows at a time to overlap FMA
    /// chains; row p of the B strip is at <c>b + p·ldb</c>.
    /// </summary>
    private static void ColumnStrip512<T>(T* a, T* b, nint ldb, T* c, int m, int n, int k, nint aRow, nint aCol, bool accumulate)
        where T : unmanaged
    {
        int i = 0;
        for (; i + 4 <= m; i += 4)
        {
            T* c0 = c + (nint)i * n;
            Vector512<T> s0 = default, s1 = default, s2 = default, s3 = default;
            if (accumulate)
            {
                s0 = Vector512.Load(c0); s1 = Vector512.Load(c0 + n); s2 = Vector512.Load(c0 + 2 * n); s3 = Vector512.Load(c0 + 3 * n);
            }
            T* ap = a + i * aRow;
            for (int p = 0; p < k; p++, ap += aCol)
            {
                var bp = Vector512.Load(b + p * ldb);
                s0 = Fma(Vector512.Create(ap[0]), bp, s0);
                s1 = Fma(Vector512.Create(ap[aRow]), bp, s1);
                s2 = Fma(Vector512.Create(ap[2 * aRow]), bp, s2);
                s3 = Fma(Vector512.Create(ap[3 * aRow]), bp, s3);
            }
            s0.Store(c0); s1.Store(c0 + n); s2.Store(c0 + 2 * n); s3.Store(c0 + 3 * n);
        }
        for (; i < m; i++)
        {
            T* ci = c + (nint)i * n;
            Vector512<T> s = accumulate ? Vector512.Load(ci) : default;
            T* ap = a + i * aRow;
            for (int p = 0; p < k; p++, ap += aCol)
                s = Fma(Vector512.Create(ap[0]), Vector512.Load(b + p * ldb), s);
            s.Store(ci);
        }
    }

    /// <summary>The <see cref="Vector256"/> twin of <see cref="ColumnStrip512"/>.</summary>
    private static void ColumnStrip256<T>(T* a, T* b, nint ldb, T* c, int m, int n, int k, nint aRow, nint aCol, bool accumulate)
        where T : unmanaged
    {
        int i = 0;
        for (; i + 4 <= m; i += 4)
        {
            T* c0 = c + (nint)i * n;
            Vector256<T> s0 = default, s1 = default, s2 = default, s3 = default;
            if (accumulate)
            {
                s0 = Vector256.Load(c0); s1 = Vector256.Load(c0 + n); s2 = Vector256.Load(c0 + 2 * n); s3 = Vector256.Load(c0 + 3 * n);
            }
            T* ap = a + i * aRow;
            for (int p = 0; p < k; p++, ap += aCol)
            {
                var bp = Vector256.Load(b + p * ldb);
                s0 = Fma(Vector256.Create(ap[0]), bp, s0);
                s1 = Fma(Vector256.Create(ap[aRow]), bp, s1);
                s2 = Fma(Vector256.Create(ap[2 * aRow]), bp, s2);
                s3 = Fma(Vector256.Create(ap[3 * aRow]), bp, s3);
            }
            s0.Store(c0); s1.Store(c0 + n); s2.Store(c0 + 2 * n); s3.Store(c0 + 3 * n);
        }
        for (; i < m; i++)
        {
            T* ci = c + (nint)i * n;
            Vector256<T> s = accumulate ? Vector256.Load(ci) : default;
            T* ap = a + i * aRow;
            for (int p = 0; p < k; p++, ap += aCol)
                s = Fma(Vector256.Create(ap[0]), Vector256.Load(b + p * ldb), s);
            s.Store(ci);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma<T>(Vector512<T> x, Vector512<T> y, Vector512<T> z)
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(x.As<T, float>(), y.As<T, float>(), z.As<T, float>()).As<float, T>();
        return Vector512.FusedMultiplyAdd(x.As<T, double>(), y.As<T, double>(), z.As<T, double>()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma<T>(Vector256<T> x, Vector256<T> y, Vector256<T> z)
    {
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(x.As<T, float>(), y.As<T, float>(), z.As<T, float>()).As<float, T>();
        return Vector256.FusedMultiplyAdd(x.As<T, double>(), y.As<T, double>(), z.As<T, double>()).As<double, T>();
    }
}
