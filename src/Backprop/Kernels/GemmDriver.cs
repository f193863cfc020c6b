using System.Runtime.CompilerServices;

namespace Backprop.Kernels;

/// <summary>
/// A register-blocked micro-kernel: computes one MR×NR tile of C from a packed MR×kc sliver of A and a packed
/// kc×NR sliver of B (see <see cref="GemmPacking"/>), and says how it wants the operands blocked for the caches.
/// </summary>
internal unsafe interface IGemmKernel<T> where T : unmanaged
{
    /// <summary>Rows of C per micro-tile.</summary>
    static abstract int MR { get; }

    /// <summary>Columns of C per micro-tile.</summary>
    static abstract int NR { get; }

    /// <summary>Depth of one packed block: a kc×NR sliver of B should stay in L1 while all slivers of A stream by.</summary>
    static abstract int KC { get; }

    /// <summary>Rows of A packed at once (a multiple of MR): the mc×kc block should stay in L2.</summary>
    static abstract int MC { get; }

    /// <summary>Columns of B packed at once (a multiple of NR): the kc×nc panel lives in L3/L2.</summary>
    static abstract int NC { get; }

    /// <summary>
    /// C[0..MR, 0..NR] (row stride <paramref name="ldc"/>) = (load ? C : 0) + Σ_p a[p·MR + r]·b[p·NR + j],
    /// p from 0 to <paramref name="kc"/>, accumulated in order of p with one fused multiply-add per step.
    /// </summary>
    static abstract void Run(int kc, T* a, T* b, T* c, nint ldc, bool load);
}

/// <summary>
/// The cache-blocked GEMM loop nest (GotoBLAS/BLIS order): for each nc-wide panel of B and each kc-deep block
/// of k, pack the kc×nc panel of op(B); for each mc-high block of op(A) pack it; then sweep NR-wide slivers of B
/// (outer) and MR-high slivers of A (inner) through the micro-kernel. Threads split C into disjoint rectangles;
/// k is never split and the kc blocking depends only on k, so every element of C sees the same sequence of
/// operations whatever the number of threads.
/// </summary>
internal static unsafe class GemmDriver<T, TKernel>
    where T : unmanaged
    where TKernel : IGemmKernel<T>
{
    public static void Run(T* a, T* b, T* c, int m, int n, int k, bool transA, bool transB, bool accumulate)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        // Cut C into `threads` slabs of whole micro-tiles, one per thread: column slabs when C is wide (each
        // thread then packs its own panel of B, which stays in its own core's L2; A is packed once per thread),
        // row slabs when it is tall. The cut never changes what is computed for an element, only who computes it.
        int maxSlabs = Math.Max((m + mr - 1) / mr, (n + nr - 1) / nr);
        int threads = Parallelism.ThreadsFor(maxSlabs, (long)m * n * k / maxSlabs);
        int rowSlabs = 1, colSlabs = 1;
        if (threads > 1)
        {
            if ((n >= m && (n + nr - 1) / nr >= threads) || (m + mr - 1) / mr < threads)
                colSlabs = threads;
            else
                rowSlabs = threads;
        }

        var body = new SlabBody
        {
            A = a, B = b, C = c, M = m, N = n, K = k,
            TransA = transA, TransB = transB, Accumulate = accumulate,
            RowStep = RoundUp((m + rowSlabs - 1) / rowSlabs, mr),
            ColStep = RoundUp((n + colSlabs - 1) / colSlabs, nr),
            ColSlabs = colSlabs,
        };
        int items = rowSlabs * colSlabs;
        if (items == 1)
            body.Invoke(0);
        else
            Parallelism.For(items, (long)m * n * k / items, body);
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    private struct SlabBody : IParallelBody
    {
        public T* A, B, C;
        public int M, N, K, RowStep, ColStep, ColSlabs;
        public bool TransA, TransB, Accumulate;

        public readonly void Invoke(int index)
        {
            int i0 = index / ColSlabs * RowStep, j0 = index % ColSlabs * ColStep;
            int i1 = Math.Min(M, i0 + RowStep), j1 = Math.Min(N, j0 + ColStep);
            if (i0 < i1 && j0 < j1)
                RunRectangle(this, i0, i1, j0, j1);
        }
    }

    /// <summary>Computes the rectangle C[i0..i1, j0..j1] on the calling thread with its own pack buffers.</summary>
    private static void RunRectangle(in SlabBody s, int i0, int i1, int j0, int j1)
    {
        int mr = TKernel.MR, nr = TKernel.NR, kcMax = TKernel.KC, mcMax = TKernel.MC, ncMax = TKernel.NC;
        int m = s.M, n = s.N, k = s.K;
        // Equal kc blocks (instead of KC, KC, ..., remainder) so the last block is not wastefully thin.
        int kBlocks = (k + kcMax - 1) / kcMax;
        int kcStep = (k + kBlocks - 1) / kBlocks;

        T* packA = GemmPackBuffers.Get<T>(0, mcMax * kcStep);
        T* packB = GemmPackBuffers.Get<T>(1, RoundUp(Math.Min(ncMax, j1 - j0), nr) * kcStep);
        T* edge = stackalloc T[mr * nr];

        for (int jc = j0; jc < j1; jc += ncMax)
        {
            int nc = Math.Min(ncMax, j1 - jc);
            for (int pc = 0; pc < k; pc += kcStep)
            {
                int kc = Math.Min(kcStep, k - pc);
                bool load = s.Accumulate || pc > 0;
                GemmPacking.PackB(s.B, packB, s.TransB, n, k, pc, kc, jc, nc, nr);
                for (int ic = i0; ic < i1; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, i1 - ic);
                    GemmPacking.PackA(s.A, packA, s.TransA, m, k, ic, mc, pc, kc, mr);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int nrHere = Math.Min(nr, nc - jr);
                        T* bSliver = packB + (nint)jr * kc;
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int mrHere = Math.Min(mr, mc - ir);
                            T* aSliver = packA + (nint)ir * kc;
                            T* cTile = s.C + (nint)(ic + ir) * n + jc + jr;
                            if (mrHere == mr && nrHere == nr)
                                TKernel.Run(kc, aSliver, bSliver, cTile, n, load);
                            else
                                RunEdge(kc, aSliver, bSliver, cTile, n, load, mrHere, nrHere, edge);
                        }
                    }
                }
            }
        }
    }

    /// <summary>A partial tile: run the full kernel on a scratch tile and copy the valid part in and out.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RunEdge(int kc, T* a, T* b, T* c, nint ldc, bool load, int rows, int cols, T* scratch)
    {
        int nr = TKernel.NR;
        if (load)
        {
            new Span<T>(scratch, TKernel.MR * nr).Clear();
            for (int r = 0; r < rows; r++)
                new ReadOnlySpan<T>(c + r * ldc, cols).CopyTo(new Span<T>(scratch + r * nr, cols));
        }
        TKernel.Run(kc, a, b, scratch, nr, load);
        for (int r = 0; r < rows; r++)
            new ReadOnlySpan<T>(scratch + r * nr, cols).CopyTo(new Span<T>(c + r * ldc, cols));
    }
}
