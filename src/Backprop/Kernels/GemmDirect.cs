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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T>(T* a, T* b, T* c, int m, int n, int k, bool transA, bool transB, bool accumulate,
        GemmIsa isa) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // op(A)[i, p] = a[i·aRow + p·aCol]; row p of op(B) starts at b + p·ldb (when not transposed).
        nint aRow = transA ? 1 : k, aCol = transA ? m : 1;
        // Column strips of C one vector wide: C strip += Σ_p broadcast(op(A)[i,p]) · (row p of the B strip).
        // A transposed B strip is first packed (k×W values, a sliver, never the whole matrix) so rows are contiguous.
        var buffers = transB ? ScratchBufferPool.Shared.Rent() : null;
        T* strip = buffers is null ? null : buffers.Get<T>(1, k * Vector512<T>.Count);
        int j = 0;
        if (isa >= GemmIsa.Vector512)
            j = ColumnStrips<T, Vector512<T>, GemmVector512<T>>(j, a, b, c, strip, m, n, k, aRow, aCol, transB, accumulate);
        if (isa >= GemmIsa.Vector256)
            j = ColumnStrips<T, Vector256<T>, GemmVector256<T>>(j, a, b, c, strip, m, n, k, aRow, aCol, transB, accumulate);
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
        if (buffers is not null)
            ScratchBufferPool.Shared.Return(buffers);
    }

    /// <summary>
    /// Columns [j, ...) of C in strips one vector wide, as many as fit in n; returns the first column left over.
    /// A transposed B strip is packed into <paramref name="strip"/> first. Inlined into <see cref="Run{T}"/>: at the
    /// small sizes this path serves, one more call per width would show.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ColumnStrips<T, TVector, TSimd>(int j, T* a, T* b, T* c, T* strip, int m, int n, int k,
        nint aRow, nint aCol, bool transB, bool accumulate)
        where T : unmanaged
        where TVector : unmanaged
        where TSimd : IGemmVector<TVector, T>
    {
        int w = TSimd.Count;
        for (; j + w <= n; j += w)
        {
            if (transB)
                GemmPacking.PackB(b, strip, true, n, k, 0, k, j, w, w);
            ColumnStrip<T, TVector, TSimd>(a, transB ? strip : b + j, transB ? w : n, c + j, m, n, k, aRow, aCol, accumulate);
        }
        return j;
    }

    /// <summary>
    /// Columns [0, W) of C (offset by the caller; row stride n) for all rows, four rows at a time to overlap FMA
    /// chains; row p of the B strip is at <c>b + p·ldb</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ColumnStrip<T, TVector, TSimd>(T* a, T* b, nint ldb, T* c, int m, int n, int k, nint aRow, nint aCol,
        bool accumulate)
        where T : unmanaged
        where TVector : unmanaged
        where TSimd : IGemmVector<TVector, T>
    {
        int i = 0;
        for (; i + 4 <= m; i += 4)
        {
            T* c0 = c + (nint)i * n;
            TVector s0 = default, s1 = default, s2 = default, s3 = default;
            if (accumulate)
            {
                s0 = TSimd.Load(c0); s1 = TSimd.Load(c0 + n); s2 = TSimd.Load(c0 + 2 * n); s3 = TSimd.Load(c0 + 3 * n);
            }
            T* ap = a + i * aRow;
            for (int p = 0; p < k; p++, ap += aCol)
            {
                var bp = TSimd.Load(b + p * ldb);
                s0 = TSimd.Fma(TSimd.Broadcast(ap[0]), bp, s0);
                s1 = TSimd.Fma(TSimd.Broadcast(ap[aRow]), bp, s1);
                s2 = TSimd.Fma(TSimd.Broadcast(ap[2 * aRow]), bp, s2);
                s3 = TSimd.Fma(TSimd.Broadcast(ap[3 * aRow]), bp, s3);
            }
            TSimd.Store(s0, c0); TSimd.Store(s1, c0 + n); TSimd.Store(s2, c0 + 2 * n); TSimd.Store(s3, c0 + 3 * n);
        }
        for (; i < m; i++)
        {
            T* ci = c + (nint)i * n;
            TVector s = accumulate ? TSimd.Load(ci) : default;
            T* ap = a + i * aRow;
            for (int p = 0; p < k; p++, ap += aCol)
                s = TSimd.Fma(TSimd.Broadcast(ap[0]), TSimd.Load(b + p * ldb), s);
            TSimd.Store(s, ci);
        }
    }
}
