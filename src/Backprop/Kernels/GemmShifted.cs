using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>
/// Float AVX-512 product C = A·B whose B is never materialised: row p of B is the memory run starting at
/// <c>b + offsets[p]</c>. A stride-1 convolution over a zero-padded image is exactly such a product when its output
/// is computed a whole padded row at a time (see <see cref="GemmShiftedConv2d"/>): every row of the im2col matrix
/// is then the padded image itself, shifted. Only A (the small weight matrix) is packed, once for a whole batch;
/// B is read in place, so neither an im2col matrix nor a packed copy of it is ever written.
/// </summary>
internal static unsafe class GemmShifted
{
    /// <summary>Rows of C per micro-tile: 8 divides the usual channel counts (16, 32, 64, ...), so no rows are wasted.</summary>
    public const int MR = 8;

    /// <summary>Columns of C per micro-tile (two zmm vectors).</summary>
    public const int NR = 32;

    // Depth of one k block. B rows of one block are shifted copies of a few image rows, so the B data a micro-tile
    // touches is far smaller than kc·NR floats; the limit is the 8×kc sliver of A, 16 KB here, kept in L1.
    private const int KC = 512;

    /// <summary>Floats of a packed A with <paramref name="m"/> rows and depth <paramref name="k"/>.</summary>
    public static int PackedLength(int m, int k) => (m + MR - 1) / MR * MR * k;

    /// <summary>
    /// Packs row-major A (m×k, row i at <c>a + i·k</c>) as ⌈m/MR⌉ slivers: sliver s starts at <c>dst + s·MR·k</c> and
    /// holds, for each p in order, the MR values A[s·MR + r, p] (rows past m are 0).
    /// </summary>
    public static void PackA(float* a, float* dst, int m, int k) =>
        GemmPacking.PackA(a, dst, trans: false, m, k, i0: 0, mc: m, p0: 0, kc: k, MR);

    /// <summary>
    /// C[0..⌈m/MR⌉·MR, 0..n] (row stride <paramref name="ldc"/>) = A·B, with A packed by <see cref="PackA"/> and
    /// B[p, j] = <c>b[offsets[p] + j]</c>. <paramref name="n"/> must be a multiple of <see cref="NR"/> and C must have
    /// the rounded-up rows: callers compute into a scratch tile whose surplus rows and columns they ignore, which
    /// keeps the kernel free of edge cases. Every element sums its k products in order of p, single-threaded.
    /// </summary>
    public static void Multiply(float* packedA, int m, int k, float* b, int* offsets, float* c, int ldc, int n)
    {
        // Equal k blocks, as in GemmDriver, so the last one is not wastefully thin.
        int blocks = (k + KC - 1) / KC, kcStep = (k + blocks - 1) / blocks;
        for (int p0 = 0; p0 < k; p0 += kcStep)
        {
            int kc = Math.Min(kcStep, k - p0);
            // n outer: the B columns of one tile stay in L1 while all slivers of A (in L2) pass over them.
            for (int j = 0; j < n; j += NR)
                for (int i = 0; i < m; i += MR)
                    Kernel(kc, packedA + (nint)i * k + (nint)p0 * MR, b + j, offsets + p0, c + (nint)i * ldc + j, ldc, p0 > 0);
        }
    }

    /// <summary>
    /// C[0..8, 0..32] = (load ? C : 0) + Σ_p a[p·8 + r]·b[offsets[p] + j], accumulated in order of p with one fused
    /// multiply-add per step. 16 accumulators (two FMA pipes × 4-cycle latency need 8) leave registers for B and A;
    /// per step 2 loads of B and 8 broadcasts of A feed 16 FMAs.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Kernel(int kc, float* a, float* b, int* offsets, float* c, nint ldc, bool load)
    {
        Vector512<float> c0a, c0b, c1a, c1b, c2a, c2b, c3a, c3b, c4a, c4b, c5a, c5b, c6a, c6b, c7a, c7b;
        if (load)
        {
            c0a = Vector512.Load(c); c0b = Vector512.Load(c + 16);
            c1a = Vector512.Load(c + ldc); c1b = Vector512.Load(c + ldc + 16);
            c2a = Vector512.Load(c + 2 * ldc); c2b = Vector512.Load(c + 2 * ldc + 16);
            c3a = Vector512.Load(c + 3 * ldc); c3b = Vector512.Load(c + 3 * ldc + 16);
            c4a = Vector512.Load(c + 4 * ldc); c4b = Vector512.Load(c + 4 * ldc + 16);
            c5a = Vector512.Load(c + 5 * ldc); c5b = Vector512.Load(c + 5 * ldc + 16);
            c6a = Vector512.Load(c + 6 * ldc); c6b = Vector512.Load(c + 6 * ldc + 16);
            c7a = Vector512.Load(c + 7 * ldc); c7b = Vector512.Load(c + 7 * ldc + 16);
        }
        else
        {
            c0a = c0b = c1a = c1b = c2a = c2b = c3a = c3b = default;
            c4a = c4b = c5a = c5b = c6a = c6b = c7a = c7b = default;
        }

        for (int p = 0; p < kc; p++, a += MR)
        {
            float* row = b + offsets[p];
            Vector512<float> b0 = Vector512.Load(row), b1 = Vector512.Load(row + 16), ai;
            ai = Vector512.Create(a[0]);
            c0a = Vector512.FusedMultiplyAdd(ai, b0, c0a); c0b = Vector512.FusedMultiplyAdd(ai, b1, c0b);
            ai = Vector512.Create(a[1]);
            c1a = Vector512.FusedMultiplyAdd(ai, b0, c1a); c1b = Vector512.FusedMultiplyAdd(ai, b1, c1b);
            ai = Vector512.Create(a[2]);
            c2a = Vector512.FusedMultiplyAdd(ai, b0, c2a); c2b = Vector512.FusedMultiplyAdd(ai, b1, c2b);
            ai = Vector512.Create(a[3]);
            c3a = Vector512.FusedMultiplyAdd(ai, b0, c3a); c3b = Vector512.FusedMultiplyAdd(ai, b1, c3b);
            ai = Vector512.Create(a[4]);
            c4a = Vector512.FusedMultiplyAdd(ai, b0, c4a); c4b = Vector512.FusedMultiplyAdd(ai, b1, c4b);
            ai = Vector512.Create(a[5]);
            c5a = Vector512.FusedMultiplyAdd(ai, b0, c5a); c5b = Vector512.FusedMultiplyAdd(ai, b1, c5b);
            ai = Vector512.Create(a[6]);
            c6a = Vector512.FusedMultiplyAdd(ai, b0, c6a); c6b = Vector512.FusedMultiplyAdd(ai, b1, c6b);
            ai = Vector512.Create(a[7]);
            c7a = Vector512.FusedMultiplyAdd(ai, b0, c7a); c7b = Vector512.FusedMultiplyAdd(ai, b1, c7b);
        }

        c0a.Store(c); c0b.Store(c + 16);
        c1a.Store(c + ldc); c1b.Store(c + ldc + 16);
        c2a.Store(c + 2 * ldc); c2b.Store(c + 2 * ldc + 16);
        c3a.Store(c + 3 * ldc); c3b.Store(c + 3 * ldc + 16);
        c4a.Store(c + 4 * ldc); c4b.Store(c + 4 * ldc + 16);
        c5a.Store(c + 5 * ldc); c5b.Store(c + 5 * ldc + 16);
        c6a.Store(c + 6 * ldc); c6b.Store(c + 6 * ldc + 16);
        c7a.Store(c + 7 * ldc); c7b.Store(c + 7 * ldc + 16);
    }
}
