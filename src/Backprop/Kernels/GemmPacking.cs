using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
    public static void PackA<T>(T* a, T* dst, bool trans, int m, int k, int i0, int mc, int p0, int kc, int mr, bool slack = false)
        where T : unmanaged =>
        PackB(a, dst, !trans, m, k, p0, kc, i0, mc, mr, slack);

    /// <summary>
    /// Packs op(B)[p0..p0+kc, j0..j0+nc] as ⌈nc/nr⌉ slivers of nr columns; sliver t starts at
    /// <c>dst + t·nr·kc</c> and holds, for each p in order, the nr values of row p (columns past nc are 0).
    /// op(B) is k×n: B is stored k×n (row p at <c>b + p·n</c>), or n×k when <paramref name="trans"/>.
    /// <paramref name="slack"/>: <paramref name="dst"/> has <see cref="Slack"/> spare elements past the block, so a
    /// transposed sliver whose width is not a multiple of the vector may be packed with whole-vector stores.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB<T>(T* b, T* dst, bool trans, int n, int k, int p0, int kc, int j0, int nc, int nr, bool slack = false)
        where T : unmanaged
    {
        if (!trans)
        {
            PackRows(b, dst, n, p0, kc, j0, nc, nr);
            return;
        }
        for (int t = 0; t < nc; t += nr)
        {
            int cols = Math.Min(nr, nc - t);
            T* sliver = dst + (nint)t * kc;
            if (typeof(T) == typeof(float) && Avx512F.IsSupported && cols == nr && (slack || nr % 16 == 0))
                PackTransposedFloat((float*)(b + (nint)(j0 + t) * k + p0), k, (float*)sliver, kc, nr);
            else if (typeof(T) == typeof(double) && Avx512F.IsSupported && cols == nr && (slack || nr % 8 == 0))
                PackTransposedDouble((double*)(b + (nint)(j0 + t) * k + p0), k, (double*)sliver, kc, nr);
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

    /// <summary>
    /// The plain case of <see cref="PackB"/>: row p of op(B) is contiguous in B, so B is read along its rows (p outer,
    /// slivers inner) and each row's nr values go to their sliver with whole-vector copies. Sliver by sliver instead, B
    /// would be read down its columns, one short run per row: n·sizeof(T) apart, 4 KB when n is 1024 floats or 512
    /// doubles, so every run fell in the same few L1 sets and a new page (measured: that copy took 9 % of a 512²
    /// float64 product, perf on one thread).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackRows<T>(T* b, T* dst, int n, int p0, int kc, int j0, int nc, int nr) where T : unmanaged
    {
        int full = nc / nr, rest = nc - full * nr;
        nint sliverStride = (nint)nr * kc;
        int rowBytes = nr * sizeof(T);
        for (int p = 0; p < kc; p++)
        {
            T* src = b + (nint)(p0 + p) * n + j0;
            T* d = dst + (nint)p * nr;
            if (rowBytes == 128 && Vector512.IsHardwareAccelerated)
                for (int t = 0; t < full; t++, src += nr, d += sliverStride)
                {
                    Vector512.Store(Vector512.Load((byte*)src), (byte*)d);
                    Vector512.Store(Vector512.Load((byte*)src + 64), (byte*)d + 64);
                }
            else if (rowBytes == 64 && Vector256.IsHardwareAccelerated)
                for (int t = 0; t < full; t++, src += nr, d += sliverStride)
                {
                    Vector256.Store(Vector256.Load((byte*)src), (byte*)d);
                    Vector256.Store(Vector256.Load((byte*)src + 32), (byte*)d + 32);
                }
            else
                for (int t = 0; t < full; t++, src += nr, d += sliverStride)
                    new ReadOnlySpan<T>(src, nr).CopyTo(new Span<T>(d, nr));
            if (rest > 0)
            {
                // The last, partial sliver: its valid columns, then zeros to the full width.
                new ReadOnlySpan<T>(src, rest).CopyTo(new Span<T>(d, rest));
                new Span<T>(d + rest, nr - rest).Clear();
            }
        }
    }

    /// <summary>
    /// Elements a pack buffer needs past the packed block: <see cref="PackTransposedFloat"/> and
    /// <see cref="PackTransposedDouble"/> store whole vectors, so a sliver whose width is not a multiple of the vector
    /// (the 12 rows of an A sliver) writes up to one vector past its last row, into what is packed next or into this slack.
    /// </summary>
    public const int Slack = 16;

    /// <summary>
    /// The transposed case of <see cref="PackB"/> for a full float sliver on AVX-512: 16×16 blocks are loaded as 16
    /// rows of B (16 consecutive p of 16 columns), transposed in registers and stored as 16 rows of the sliver, instead
    /// of one scattered store per element (a quarter of the instructions; at k = 128 the scattered copy of a layer's
    /// weight cost a few percent of the product). A group of fewer than 16 columns (the 12 rows of an A sliver, packed
    /// by this same code when A's rows are 4 KB apart) repeats its last column to fill the block and stores whole
    /// vectors in order of p, each overwriting the tail of the one before (see <see cref="Slack"/>); groups go from
    /// the last to the first, so the first group's stores repair what the narrow one spilled into the next row.
    /// Leftover p (kc not a multiple of 16) are copied one by one.
    /// <paramref name="src"/> is B's element at (column 0 of the sliver, p0); the sliver's column c starts at
    /// <c>src + c·ld</c>, and its p-th row goes to <c>dst + p·nr</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackTransposedFloat(float* src, nint ld, float* dst, int kc, int nr)
    {
        Vector512<int> lo8 = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
        Vector512<int> hi8 = Vector512.Create(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
        Vector512<int> lo4 = Vector512.Create(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
        Vector512<int> hi4 = Vector512.Create(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
        Vector512<int> lo2 = Vector512.Create(0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
        Vector512<int> hi2 = Vector512.Create(2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
        Vector512<int> lo1 = Vector512.Create(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
        Vector512<int> hi1 = Vector512.Create(1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31);
        int p = 0;
        for (; p + 16 <= kc; p += 16)
            for (int c0 = (nr - 1) / 16 * 16; c0 >= 0; c0 -= 16)
                Transpose16(src + c0 * ld + p, ld, Math.Min(16, nr - c0) - 1, dst + (nint)p * nr + c0, nr,
                    lo8, hi8, lo4, hi4, lo2, hi2, lo1, hi1);
        for (; p < kc; p++)
            for (int c = 0; c < nr; c++)
                dst[(nint)p * nr + c] = src[c * ld + p];
    }

    /// <summary>
    /// The float64 form of <see cref="PackTransposedFloat"/>: 8×8 blocks, transposed in three rounds of two-source
    /// permutes; a 12-wide A sliver is a group of 4 columns (stored first, spilling into the next row) and one of 8.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackTransposedDouble(double* src, nint ld, double* dst, int kc, int nr)
    {
        Vector512<long> lo4 = Vector512.Create(0L, 1, 2, 3, 8, 9, 10, 11);
        Vector512<long> hi4 = Vector512.Create(4L, 5, 6, 7, 12, 13, 14, 15);
        Vector512<long> lo2 = Vector512.Create(0L, 1, 8, 9, 4, 5, 12, 13);
        Vector512<long> hi2 = Vector512.Create(2L, 3, 10, 11, 6, 7, 14, 15);
        Vector512<long> lo1 = Vector512.Create(0L, 8, 2, 10, 4, 12, 6, 14);
        Vector512<long> hi1 = Vector512.Create(1L, 9, 3, 11, 5, 13, 7, 15);
        int p = 0;
        for (; p + 8 <= kc; p += 8)
            for (int c0 = (nr - 1) / 8 * 8; c0 >= 0; c0 -= 8)
            {
                double* s = src + c0 * ld + p;
                nint last = Math.Min(8, nr - c0) - 1;
                Vector512<double> r0 = Vector512.Load(s);
                Vector512<double> r1 = Vector512.Load(s + Math.Min(1, last) * ld);
                Vector512<double> r2 = Vector512.Load(s + Math.Min(2, last) * ld);
                Vector512<double> r3 = Vector512.Load(s + Math.Min(3, last) * ld);
                Vector512<double> r4 = Vector512.Load(s + Math.Min(4, last) * ld);
                Vector512<double> r5 = Vector512.Load(s + Math.Min(5, last) * ld);
                Vector512<double> r6 = Vector512.Load(s + Math.Min(6, last) * ld);
                Vector512<double> r7 = Vector512.Load(s + Math.Min(7, last) * ld);
                (r0, r4) = (Avx512F.PermuteVar8x64x2(r0, lo4, r4), Avx512F.PermuteVar8x64x2(r0, hi4, r4));
                (r1, r5) = (Avx512F.PermuteVar8x64x2(r1, lo4, r5), Avx512F.PermuteVar8x64x2(r1, hi4, r5));
                (r2, r6) = (Avx512F.PermuteVar8x64x2(r2, lo4, r6), Avx512F.PermuteVar8x64x2(r2, hi4, r6));
                (r3, r7) = (Avx512F.PermuteVar8x64x2(r3, lo4, r7), Avx512F.PermuteVar8x64x2(r3, hi4, r7));
                (r0, r2) = (Avx512F.PermuteVar8x64x2(r0, lo2, r2), Avx512F.PermuteVar8x64x2(r0, hi2, r2));
                (r1, r3) = (Avx512F.PermuteVar8x64x2(r1, lo2, r3), Avx512F.PermuteVar8x64x2(r1, hi2, r3));
                (r4, r6) = (Avx512F.PermuteVar8x64x2(r4, lo2, r6), Avx512F.PermuteVar8x64x2(r4, hi2, r6));
                (r5, r7) = (Avx512F.PermuteVar8x64x2(r5, lo2, r7), Avx512F.PermuteVar8x64x2(r5, hi2, r7));
                (r0, r1) = (Avx512F.PermuteVar8x64x2(r0, lo1, r1), Avx512F.PermuteVar8x64x2(r0, hi1, r1));
                (r2, r3) = (Avx512F.PermuteVar8x64x2(r2, lo1, r3), Avx512F.PermuteVar8x64x2(r2, hi1, r3));
                (r4, r5) = (Avx512F.PermuteVar8x64x2(r4, lo1, r5), Avx512F.PermuteVar8x64x2(r4, hi1, r5));
                (r6, r7) = (Avx512F.PermuteVar8x64x2(r6, lo1, r7), Avx512F.PermuteVar8x64x2(r6, hi1, r7));
                double* d = dst + (nint)p * nr + c0;
                r0.Store(d); r1.Store(d + nr); r2.Store(d + 2 * nr); r3.Store(d + 3 * nr);
                r4.Store(d + 4 * nr); r5.Store(d + 5 * nr); r6.Store(d + 6 * nr); r7.Store(d + 7 * nr);
            }
        for (; p < kc; p++)
            for (int c = 0; c < nr; c++)
                dst[(nint)p * nr + c] = src[c * ld + p];
    }

    /// <summary>
    /// d[q·nr + c] = s[min(c, last)·ld + q] for q, c &lt; 16, stored in order of q: four rounds that each swap the off-diagonal blocks of the blocks one
    /// size up (8×8 in the 16×16, then 4×4 in each 8×8, ...), each one two-source permute per row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose16(float* s, nint ld, nint last, float* d, nint nr, Vector512<int> lo8, Vector512<int> hi8,
        Vector512<int> lo4, Vector512<int> hi4, Vector512<int> lo2, Vector512<int> hi2, Vector512<int> lo1, Vector512<int> hi1)
    {
        Vector512<float> r0 = Vector512.Load(s);
        Vector512<float> r1 = Vector512.Load(s + Math.Min(1, last) * ld);
        Vector512<float> r2 = Vector512.Load(s + Math.Min(2, last) * ld);
        Vector512<float> r3 = Vector512.Load(s + Math.Min(3, last) * ld);
        Vector512<float> r4 = Vector512.Load(s + Math.Min(4, last) * ld);
        Vector512<float> r5 = Vector512.Load(s + Math.Min(5, last) * ld);
        Vector512<float> r6 = Vector512.Load(s + Math.Min(6, last) * ld);
        Vector512<float> r7 = Vector512.Load(s + Math.Min(7, last) * ld);
        Vector512<float> r8 = Vector512.Load(s + Math.Min(8, last) * ld);
        Vector512<float> r9 = Vector512.Load(s + Math.Min(9, last) * ld);
        Vector512<float> r10 = Vector512.Load(s + Math.Min(10, last) * ld);
        Vector512<float> r11 = Vector512.Load(s + Math.Min(11, last) * ld);
        Vector512<float> r12 = Vector512.Load(s + Math.Min(12, last) * ld);
        Vector512<float> r13 = Vector512.Load(s + Math.Min(13, last) * ld);
        Vector512<float> r14 = Vector512.Load(s + Math.Min(14, last) * ld);
        Vector512<float> r15 = Vector512.Load(s + Math.Min(15, last) * ld);
        // Swap the off-diagonal 8×8 blocks of every 16×16 block.
        (r0, r8) = (Avx512F.PermuteVar16x32x2(r0, lo8, r8), Avx512F.PermuteVar16x32x2(r0, hi8, r8));
        (r1, r9) = (Avx512F.PermuteVar16x32x2(r1, lo8, r9), Avx512F.PermuteVar16x32x2(r1, hi8, r9));
        (r2, r10) = (Avx512F.PermuteVar16x32x2(r2, lo8, r10), Avx512F.PermuteVar16x32x2(r2, hi8, r10));
        (r3, r11) = (Avx512F.PermuteVar16x32x2(r3, lo8, r11), Avx512F.PermuteVar16x32x2(r3, hi8, r11));
        (r4, r12) = (Avx512F.PermuteVar16x32x2(r4, lo8, r12), Avx512F.PermuteVar16x32x2(r4, hi8, r12));
        (r5, r13) = (Avx512F.PermuteVar16x32x2(r5, lo8, r13), Avx512F.PermuteVar16x32x2(r5, hi8, r13));
        (r6, r14) = (Avx512F.PermuteVar16x32x2(r6, lo8, r14), Avx512F.PermuteVar16x32x2(r6, hi8, r14));
        (r7, r15) = (Avx512F.PermuteVar16x32x2(r7, lo8, r15), Avx512F.PermuteVar16x32x2(r7, hi8, r15));
        // Swap the off-diagonal 4×4 blocks of every 8×8 block.
        (r0, r4) = (Avx512F.PermuteVar16x32x2(r0, lo4, r4), Avx512F.PermuteVar16x32x2(r0, hi4, r4));
        (r1, r5) = (Avx512F.PermuteVar16x32x2(r1, lo4, r5), Avx512F.PermuteVar16x32x2(r1, hi4, r5));
        (r2, r6) = (Avx512F.PermuteVar16x32x2(r2, lo4, r6), Avx512F.PermuteVar16x32x2(r2, hi4, r6));
        (r3, r7) = (Avx512F.PermuteVar16x32x2(r3, lo4, r7), Avx512F.PermuteVar16x32x2(r3, hi4, r7));
        (r8, r12) = (Avx512F.PermuteVar16x32x2(r8, lo4, r12), Avx512F.PermuteVar16x32x2(r8, hi4, r12));
        (r9, r13) = (Avx512F.PermuteVar16x32x2(r9, lo4, r13), Avx512F.PermuteVar16x32x2(r9, hi4, r13));
        (r10, r14) = (Avx512F.PermuteVar16x32x2(r10, lo4, r14), Avx512F.PermuteVar16x32x2(r10, hi4, r14));
        (r11, r15) = (Avx512F.PermuteVar16x32x2(r11, lo4, r15), Avx512F.PermuteVar16x32x2(r11, hi4, r15));
        // Swap the off-diagonal 2×2 blocks of every 4×4 block.
        (r0, r2) = (Avx512F.PermuteVar16x32x2(r0, lo2, r2), Avx512F.PermuteVar16x32x2(r0, hi2, r2));
        (r1, r3) = (Avx512F.PermuteVar16x32x2(r1, lo2, r3), Avx512F.PermuteVar16x32x2(r1, hi2, r3));
        (r4, r6) = (Avx512F.PermuteVar16x32x2(r4, lo2, r6), Avx512F.PermuteVar16x32x2(r4, hi2, r6));
        (r5, r7) = (Avx512F.PermuteVar16x32x2(r5, lo2, r7), Avx512F.PermuteVar16x32x2(r5, hi2, r7));
        (r8, r10) = (Avx512F.PermuteVar16x32x2(r8, lo2, r10), Avx512F.PermuteVar16x32x2(r8, hi2, r10));
        (r9, r11) = (Avx512F.PermuteVar16x32x2(r9, lo2, r11), Avx512F.PermuteVar16x32x2(r9, hi2, r11));
        (r12, r14) = (Avx512F.PermuteVar16x32x2(r12, lo2, r14), Avx512F.PermuteVar16x32x2(r12, hi2, r14));
        (r13, r15) = (Avx512F.PermuteVar16x32x2(r13, lo2, r15), Avx512F.PermuteVar16x32x2(r13, hi2, r15));
        // Swap the off-diagonal 1×1 blocks of every 2×2 block.
        (r0, r1) = (Avx512F.PermuteVar16x32x2(r0, lo1, r1), Avx512F.PermuteVar16x32x2(r0, hi1, r1));
        (r2, r3) = (Avx512F.PermuteVar16x32x2(r2, lo1, r3), Avx512F.PermuteVar16x32x2(r2, hi1, r3));
        (r4, r5) = (Avx512F.PermuteVar16x32x2(r4, lo1, r5), Avx512F.PermuteVar16x32x2(r4, hi1, r5));
        (r6, r7) = (Avx512F.PermuteVar16x32x2(r6, lo1, r7), Avx512F.PermuteVar16x32x2(r6, hi1, r7));
        (r8, r9) = (Avx512F.PermuteVar16x32x2(r8, lo1, r9), Avx512F.PermuteVar16x32x2(r8, hi1, r9));
        (r10, r11) = (Avx512F.PermuteVar16x32x2(r10, lo1, r11), Avx512F.PermuteVar16x32x2(r10, hi1, r11));
        (r12, r13) = (Avx512F.PermuteVar16x32x2(r12, lo1, r13), Avx512F.PermuteVar16x32x2(r12, hi1, r13));
        (r14, r15) = (Avx512F.PermuteVar16x32x2(r14, lo1, r15), Avx512F.PermuteVar16x32x2(r14, hi1, r15));
        r0.Store(d + 0 * nr);
        r1.Store(d + 1 * nr);
        r2.Store(d + 2 * nr);
        r3.Store(d + 3 * nr);
        r4.Store(d + 4 * nr);
        r5.Store(d + 5 * nr);
        r6.Store(d + 6 * nr);
        r7.Store(d + 7 * nr);
        r8.Store(d + 8 * nr);
        r9.Store(d + 9 * nr);
        r10.Store(d + 10 * nr);
        r11.Store(d + 11 * nr);
        r12.Store(d + 12 * nr);
        r13.Store(d + 13 * nr);
        r14.Store(d + 14 * nr);
        r15.Store(d + 15 * nr);
    }
}
