namespace Backprop.Kernels;

/// <summary>
/// Packing of op(A) and op(B) blocks into the contiguous, micro-kernel-ordered layouts read by
/// <see cref="IGemmKernel{T}"/>. Transposition is absorbed here: only the block being packed is ever reordered,
/// never the whole matrix. Tiles are zero-padded to full MR/NR so the micro-kernel never needs a bounds check.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs op(A)[i0..i0+mc, p0..p0+kc] as ⌈mc/mr⌉ slivers of mr rows; sliver s starts at
    /// <c>dst + s·mr·kc</c> and holds, for each p in order, the mr values of column p (rows past mc are 0).
    /// op(A) is m×k: A is stored m×k (row i at <c>a + i·k</c>), or k×m when <paramref name="trans"/>.
    /// </summary>
    /// <remarks>
    /// op(A)ᵀ is a k×m matrix stored k×m when <paramref name="trans"/> (m×k otherwise), and the block of op(A) packed
    /// by rows is exactly the block of op(A)ᵀ packed by columns, so this is <see cref="PackB"/> with the roles swapped.
    /// </remarks>
    public static void PackA<T>(T* a, T* dst, bool trans, int m, int k, int i0, int mc, int p0, int kc, int mr)
        where T : unmanaged =>
        PackB(a, dst, !trans, m, k, p0, kc, i0, mc, mr);

    /// <summary>
    /// Packs op(B)[p0..p0+kc, j0..j0+nc] as ⌈nc/nr⌉ slivers of nr columns; sliver t starts at
    /// <c>dst + t·nr·kc</c> and holds, for each p in order, the nr values of row p (columns past nc are 0).
    /// op(B) is k×n: B is stored k×n (row p at <c>b + p·n</c>), or n×k when <paramref name="trans"/>.
    /// </summary>
    public static void PackB<T>(T* b, T* dst, bool trans, int n, int k, int p0, int kc, int j0, int nc, int nr)
        where T : unmanaged
    {
        for (int t = 0; t < nc; t += nr)
        {
            int cols = Math.Min(nr, nc - t);
            T* sliver = dst + (nint)t * kc;
            if (!trans)
            {
                // Row p of op(B) is contiguous in B: a straight copy per p.
                T* src = b + (nint)p0 * n + j0 + t;
                for (int p = 0; p < kc; p++, src += n, sliver += nr)
                {
                    new ReadOnlySpan<T>(src, cols).CopyTo(new Span<T>(sliver, cols));
                    if (cols < nr)
                        new Span<T>(sliver + cols, nr - cols).Clear();
                }
            }
            else
            {
                // Column j of op(B) is row j of B, contiguous in p: read it sequentially, scatter with stride nr.
                // The whole kc×nr sliver is a few tens of KB, so the scattered stores stay in L1.
                for (int c = 0; c < cols; c++)
                {
                    T* src = b + (nint)(j0 + t + c) * k + p0;
                    T* d = sliver + c;
                    for (int p = 0; p < kc; p++, d += nr)
                        *d = src[p];
                }
                for (int c = cols; c < nr; c++)
                {
                    T* d = sliver + c;
                    for (int p = 0; p < kc; p++, d += nr)
                        *d = default;
                }
            }
        }
    }
}
