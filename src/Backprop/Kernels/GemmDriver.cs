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
    /// 0 when the innermost loop always keeps one kc×NR sliver of B while the MR-high slivers of the mc×kc block of A
    /// pass by (GotoBLAS order: B's sliver in L1, A's block in L2). Otherwise B's <see cref="KC"/>-deep sliver would
    /// fill L1, and for a large C the loop keeps one MR×kc sliver of A instead, this deep, while the NR-wide slivers of
    /// the kc×nc panel of B pass by (A's sliver in L1, B's panel streamed from L2/L3, C's tiles taken along its rows).
    /// </summary>
    static abstract int KCSliverOfA { get; }

    /// <summary>
    /// C[r, j] (r &lt; MR, j &lt; NR, row stride <paramref name="ldc"/>) = C0[r, j] + Σ_p a[r·rs + p·cs]·b[p·NR + j],
    /// p from 0 to <paramref name="kc"/>, accumulated in order of p with one fused multiply-add per step. C0[r, j] is
    /// <c>c0[r·ldc0 + j]</c>, or 0 when <paramref name="c0"/> is null (c0 = c continues a sum, ldc0 = 0 adds a row
    /// vector such as a bias to every row). A is read through strides, so one kernel reads a packed sliver
    /// (rs = 1, cs = MR), a row-major block in place (rs = lda, cs = 1) or a column-major one (rs = 1, cs = lda).
    /// </summary>
    static abstract void Run(int kc, T* a, nint rs, nint cs, T* b, T* c, nint ldc, T* c0, nint ldc0);

    /// <summary>
    /// <see cref="Run"/> for the first <paramref name="rows"/> (1 to 4) rows of a tile, with the same arithmetic; A's
    /// sliver must have four readable rows. Called only for kernels of more than 8 rows (see the driver's RunEdge).
    /// </summary>
    static abstract void RunRows4(int kc, T* a, nint rs, nint cs, T* b, T* c, nint ldc, T* c0, nint ldc0, int rows);
}

/// <summary>
/// The cache-blocked GEMM loop nest (GotoBLAS/BLIS order): for each nc-wide panel of B and each kc-deep block
/// of k, pack the kc×nc panel of op(B); for each mc-high block of op(A) pack it, or read it in place; then sweep
/// NR-wide slivers of B and MR-high slivers of A through the micro-kernel, B's in the outer loop, or A's (see
/// <see cref="IGemmKernel{T}.KCSliverOfA"/>). Threads split C into
/// disjoint rectangles; k is never split and the kc blocking depends only on the shape and the machine, so every
/// element of C sees the same sequence of operations whatever the number of threads. (Nor does the blocking change
/// the result: between kc blocks the running sum is stored to C and loaded back, exactly, and goes on in order of p.)
/// </summary>
internal static unsafe class GemmDriver<T, TKernel>
    where T : unmanaged
    where TKernel : IGemmKernel<T>
{
    /// <summary>
    /// C = op(A)·op(B), C += op(A)·op(B) when <paramref name="accumulate"/>, or C = bias + op(A)·op(B) with the row
    /// vector <paramref name="bias"/> (n elements, added to every row first) when it is not null (then not accumulating).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(T* a, T* b, T* c, int m, int n, int k, bool transA, bool transB, bool accumulate, T* bias)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        bool directA = ReadsAInPlace(m, k, transA);
        // C is cut along one dimension into chunks of whole micro-tiles, which the threads take first come first
        // served (see TileChunks). The cut never changes what is computed for an element, only who computes it. A
        // column chunk reads all of A and packs its own part of B; a row chunk reads its own rows of A and packs all
        // of B. So column chunks move (chunks − 1)·m·k more elements and row chunks (chunks − 1)·k·n more: columns
        // when C is at least as wide as tall. But a long square product whose A is packed goes by rows when A's
        // sliver stays in L1: column chunks would each pack all of A again, while row chunks share one packed op(B)
        // (below), and A's slivers pass by B's whole panel instead of a chunk's narrow one (two threads: 1024³ 191
        // GFLOPS by rows, 175 by columns; 2048³ 211 by rows, 186 by columns before B was shared). Where A is read in
        // place, or the product is short, columns stay the faster (1536³: 190 against 177; float64 768³: 94 against
        // 87; 512³, equal shares: 207 against 193).
        int rowTiles = (m + mr - 1) / mr, colTiles = (n + nr - 1) / nr;
        long work = (long)m * n * k;
        int threads = Parallelism.ThreadsFor(Math.Max(rowTiles, colTiles), work / Math.Max(rowTiles, colTiles), MinWorkPerThread);
        // A's sliver stays in L1 (where the kernel can) when C is larger than the L2s of all the cores: in the
        // GotoBLAS order C's tiles then come from L3, one column of tiles after another, and B's sliver, all of L1,
        // loses lines to them and to A. With C in L2 that order was the faster (float64 384³ on two threads: 100
        // against 94 GFLOPS with A's sliver in L1; 256×64·784: 94 against 85). Machine constants, not the threads
        // of the call, decide, so the kc blocking too depends only on the shape.
        bool sliverOfA = TKernel.KCSliverOfA > 0 && (long)m * n * sizeof(T) > (long)CpuCaches.L2Bytes * Environment.ProcessorCount;
        // A short product is cut into one equal share per thread: shorter than a scheduler time slice, it gains
        // nothing from finer chunks when a core is taken away, and loses to their repeated packing and uneven last
        // chunk when both cores are free. A long one is cut into shrinking chunks (see TileChunks).
        bool equalShares = TileChunks.ForceEqualShares ?? work < threads * GuidedWorkPerThread;
        bool wider = n > m || (n == m && !(sliverOfA && !equalShares && !directA));
        bool byColumns = threads > 1 && ((wider && colTiles >= threads) || rowTiles < threads);
        int tiles = threads == 1 ? 1 : byColumns ? colTiles : rowTiles;
        var body = new ChunkBody
        {
            A = a, B = b, C = c, Bias = bias, M = m, N = n, K = k,
            TransA = transA, TransB = transB, Accumulate = accumulate, DirectA = directA,
            ByColumns = byColumns, Tiles = tiles, Threads = threads, EqualShares = equalShares, SliverOfA = sliverOfA,
            KcStep = KcStep(k, sliverOfA ? TKernel.KCSliverOfA : TKernel.KC),
            MinTiles = (MinChunkExtent + (byColumns ? nr : mr) - 1) / (byColumns ? nr : mr),
            MaxChunksPerThread = TileChunks.MaxChunksPerThread,
        };
        bool shareB = !byColumns && !equalShares && threads > 1 && (long)RoundUp(n, nr) * k * sizeof(T) <= MaxSharedPackedB;
        // Chunks that share op(B) packed once (below) repeat only the setting up of their sweeps.
        if (shareB)
            body.MaxChunksPerThread = int.MaxValue;
        int items = TileChunks.Count(tiles, threads, body.MinTiles, equalShares, body.MaxChunksPerThread);
        if (items == 1)
        {
            RunRectangle(body, 0, m, 0, n);
            return;
        }
        if (!shareB)
        {
            Parallelism.For(items, work / items, body, MinWorkPerThread);
            return;
        }
        // Shrinking row chunks would each pack all of op(B) again, so op(B) is packed once, by all the threads, into
        // one buffer the chunks read; and since a chunk then costs little, they shrink down to MinChunkExtent rows, so
        // the threads finish closer together. Measured in one process, interleaved, on the Zen 4 host, two threads,
        // against each chunk packing its own B in chunks of at least an eighth: 2048³ 186 to 196 GFLOPS, 1024³ 175 to
        // 188; with another process keeping one core busy, 134 to 146 and 96 to 122 (equal shares: 106 and 105).
        int kcStep = body.KcStep;
        var packBody = new PackBBody
        {
            B = b, TransB = transB, N = n, K = k, KcStep = kcStep,
            BlockStride = (nint)RoundUp(n, nr) * kcStep + GemmPacking.Slack,
        };
        int kBlocks = (k + kcStep - 1) / kcStep;
        var shared = ScratchBufferPool.Shared.Rent();
        packBody.Packed = body.PackedB = shared.Get<T>(1, checked((int)(kBlocks * packBody.BlockStride)));
        body.PackedBStride = packBody.BlockStride;
        Parallelism.For(kBlocks, (long)kcStep * n, packBody);
        Parallelism.For(items, work / items, body, MinWorkPerThread);
        ScratchBufferPool.Shared.Return(shared);
    }

    /// <summary>
    /// The multiply-adds one more thread must have to be worth waking: handing work to a pool thread and waiting for
    /// it costs a few microseconds, and a product of 64³ (262K multiply-adds, about 3 µs on one core) ran slower on
    /// two threads than on one.
    /// </summary>
    internal const long MinWorkPerThread = 512 * 1024;

    /// <summary>
    /// The multiply-adds per thread from which a product is cut into shrinking chunks instead of equal shares: about
    /// 1 ms of one core, the order of a scheduler time slice. Measured on this project's 2-core machine, interleaved
    /// in one process (bench/Backprop.Bench `gemm-ab`): with both cores free, equal shares were as fast or faster than
    /// the shrinking chunks from 64 to 2048 (256³: 172 against 139 GFLOPS; 64×784·784×256ᵀ: 129 against 115), while with
    /// one core kept busy by another process the shrinking chunks were faster from 768³ up (1024³: 105 against 81)
    /// and the same below.
    /// </summary>
    internal const long GuidedWorkPerThread = 96L * 1024 * 1024;

    /// <summary>
    /// Rows (or columns) of C a chunk has at least: each chunk packs the other operand's whole panel again (all of B
    /// for a row chunk, all of A for a column chunk when A is packed), which at 96 costs about 4 % of its arithmetic
    /// (384×768ᵀ·768×128 in chunks of 36 rows: 5 % slower than in two halves when the machine gave one core).
    /// </summary>
    private const int MinChunkExtent = 96;

    /// <summary>
    /// The largest op(B), in bytes packed, that shrinking row chunks share one packed copy of (it stays in the scratch
    /// pool afterwards): 2048² floats or 1448² doubles. Beyond it the chunks pack their own panels, whose repeated
    /// packing weighs less the taller C is.
    /// </summary>
    private const long MaxSharedPackedB = 16 * 1024 * 1024;

    /// <summary>
    /// Whether the micro-kernel reads op(A) where it lies instead of from a packed copy. Packing a row-major A is a
    /// scattered copy of every block, which at small k costs as much as a fifth of the arithmetic, and even the plain
    /// copy of a transposed A's runs costs more than it saves (measured at the gpt_char step's weight gradients, k = 768:
    /// 10–15 % faster in place). Only when A's stride is a multiple of 4 KB is it packed: in place, the 12 rows of a tile
    /// (or the kc steps of a transposed one) would all fall in the same few L1 sets (m = 1024: 25 % slower in place).
    /// </summary>
    private static bool ReadsAInPlace(int m, int k, bool transA) => (long)(transA ? m : k) * sizeof(T) % 4096 != 0;

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>The depth of the kc blocks of k: equal blocks (instead of KC, KC, ..., remainder) so the last is not wastefully thin.</summary>
    private static int KcStep(int k, int kcMax)
    {
        int kBlocks = (k + kcMax - 1) / kcMax;
        return (k + kBlocks - 1) / kBlocks;
    }

    /// <summary>
    /// Packs kc block <c>index</c> of all of op(B) into its place in a shared buffer: the blocks lie
    /// <see cref="BlockStride"/> apart (a slack past each, so no packer writes into another's block), and block b's
    /// panel of columns from jc on starts jc·kc past the block's start, as <see cref="RunRectangle"/> reads it.
    /// </summary>
    private struct PackBBody : IParallelBody
    {
        public T* B, Packed;
        public nint BlockStride;
        public int N, K, KcStep;
        public bool TransB;

        public readonly void Invoke(int index)
        {
            int pc = index * KcStep;
            GemmPacking.PackB(B, Packed + index * BlockStride, TransB, N, K, pc, Math.Min(KcStep, K - pc), 0, N, TKernel.NR, slack: true);
        }
    }

    private struct ChunkBody : IParallelBody
    {
        public T* A, B, C, Bias;
        // All of op(B), packed once for all chunks (see PackBBody), or null: each chunk packs its own panels.
        public T* PackedB;
        public nint PackedBStride;
        public int M, N, K, Tiles, Threads, MinTiles, MaxChunksPerThread, KcStep;
        public bool TransA, TransB, Accumulate, DirectA, ByColumns, EqualShares, SliverOfA;

        public readonly void Invoke(int index)
        {
            if (EqualShares)
            {
                RunEqualShare(index);
                return;
            }
            var (t0, t1) = TileChunks.Range(index, Tiles, Threads, MinTiles, MaxChunksPerThread);
            RunLines(t0, t1, 0, int.MaxValue);
        }

        // An equal share may begin and end inside a line of tiles (a column of tiles when cut by columns), so the
        // shares hold the same number of elements, not only of lines: 64×256·256×784 has 25 columns of tiles, and
        // whole columns gave one of two threads 13 (416 of the 784 columns).
        private readonly void RunEqualShare(int index)
        {
            int shares = TileChunks.Count(Tiles, Threads, equalShares: true);
            int lineTile = ByColumns ? TKernel.NR : TKernel.MR, acrossTile = ByColumns ? TKernel.MR : TKernel.NR;
            int lineExtent = ByColumns ? N : M, acrossExtent = ByColumns ? M : N;
            var (line0, tile0) = TileChunks.EqualShareStart(index, shares, lineExtent, lineTile, acrossExtent, acrossTile);
            var (line1, tile1) = TileChunks.EqualShareStart(index + 1, shares, lineExtent, lineTile, acrossExtent, acrossTile);
            if (line0 == line1)
            {
                RunLines(line0, line0 + 1, tile0, tile1);
                return;
            }
            if (tile0 > 0)
                RunLines(line0, ++line0, tile0, int.MaxValue);
            if (line1 > line0)
                RunLines(line0, line1, 0, int.MaxValue);
            if (tile1 > 0)
                RunLines(line1, line1 + 1, 0, tile1);
        }

        // Lines of tiles [line0, line1) along the cut, each from tile [tile0, tile1) across it (clamped to C's edge).
        private readonly void RunLines(int line0, int line1, int tile0, int tile1)
        {
            int mr = TKernel.MR, nr = TKernel.NR;
            if (ByColumns)
                RunRectangle(this, Math.Min(M, tile0 * mr), (int)Math.Min(M, (long)tile1 * mr), line0 * nr, Math.Min(N, line1 * nr));
            else
                RunRectangle(this, line0 * mr, Math.Min(M, line1 * mr), Math.Min(N, tile0 * nr), (int)Math.Min(N, (long)tile1 * nr));
        }
    }

    /// <summary>Computes the rectangle C[i0..i1, j0..j1] on the calling thread with a set of pack buffers it rents.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunRectangle(in ChunkBody s, int i0, int i1, int j0, int j1)
    {
        int mr = TKernel.MR, nr = TKernel.NR, ncMax = TKernel.NC;
        int m = s.M, n = s.N, k = s.K;
        int kcStep = s.KcStep;
        // The mc×kc block of A stays in L2 (its size in bytes is fixed, so a thin kc allows a taller block); equal
        // blocks again, in whole micro-tiles.
        int mcBytes = TKernel.MC * TKernel.KC * sizeof(T);
        int mcMax = Math.Max(mr, mcBytes / (kcStep * sizeof(T)) / mr * mr);
        int mBlocks = (i1 - i0 + mcMax - 1) / mcMax;
        int mcStep = RoundUp((i1 - i0 + mBlocks - 1) / mBlocks, mr);

        var buffers = ScratchBufferPool.Shared.Rent();
        T* packA = buffers.Get<T>(0, (s.DirectA ? mr : mcStep) * kcStep + GemmPacking.Slack);
        T* packB = s.PackedB != null ? null : buffers.Get<T>(1, RoundUp(Math.Min(ncMax, j1 - j0), nr) * kcStep + GemmPacking.Slack);
        T* edge = stackalloc T[mr * nr];

        for (int jc = j0; jc < j1; jc += ncMax)
        {
            int nc = Math.Min(ncMax, j1 - jc);
            for (int pc = 0; pc < k; pc += kcStep)
            {
                int kc = Math.Min(kcStep, k - pc);
                if (s.PackedB != null)
                    packB = s.PackedB + pc / kcStep * s.PackedBStride + (nint)jc * kc;
                else
                    GemmPacking.PackB(s.B, packB, s.TransB, n, k, pc, kc, jc, nc, nr, slack: true);
                for (int ic = i0; ic < i1; ic += mcStep)
                {
                    int mc = Math.Min(mcStep, i1 - ic);
                    // Slivers of whole rows read in place (when allowed); the rest, at most one partial sliver in
                    // place mode, is packed (zero-padded), so the kernel never reads past the end of A.
                    int inPlace = s.DirectA ? mc / mr * mr : 0;
                    if (inPlace < mc)
                        GemmPacking.PackA(s.A, packA, s.TransA, m, k, ic + inPlace, mc - inPlace, pc, kc, mr, slack: true);
                    if (s.SliverOfA)
                    {
                        for (int ir = 0; ir < mc; ir += mr)
                            for (int jr = 0; jr < nc; jr += nr)
                                RunTile(s, ic, ir, mc, inPlace, packA, pc, kc, jc, jr, nc, packB, edge);
                    }
                    else
                    {
                        for (int jr = 0; jr < nc; jr += nr)
                            for (int ir = 0; ir < mc; ir += mr)
                                RunTile(s, ic, ir, mc, inPlace, packA, pc, kc, jc, jr, nc, packB, edge);
                    }
                }
            }
        }
        // Not in a finally: a set lost to an exception is only garbage, and the kernels throw only on internal bugs.
        ScratchBufferPool.Shared.Return(buffers);
    }

    /// <summary>
    /// The micro-tile C[ic + ir.., jc + jr..] of the block: its sliver of A (packed, or in place from row
    /// <paramref name="inPlace"/> of the block on), its sliver of B and where its sum starts.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RunTile(in ChunkBody s, int ic, int ir, int mc, int inPlace, T* packA, int pc, int kc, int jc, int jr, int nc,
        T* packB, T* edge)
    {
        int mr = TKernel.MR, nr = TKernel.NR, n = s.N;
        int mrHere = Math.Min(mr, mc - ir), nrHere = Math.Min(nr, nc - jr);
        T* bSliver = packB + (nint)jr * kc;
        T* aSliver;
        nint rs, cs;
        if (ir >= inPlace)
        {
            aSliver = packA + (nint)(ir - inPlace) * kc;
            rs = 1;
            cs = mr;
        }
        else if (s.TransA)
        {
            aSliver = s.A + (nint)pc * s.M + ic + ir;
            rs = 1;
            cs = s.M;
        }
        else
        {
            aSliver = s.A + (nint)(ic + ir) * s.K + pc;
            rs = s.K;
            cs = 1;
        }

        T* cTile = s.C + (nint)(ic + ir) * n + jc + jr;
        // Where the tile's sum starts: C itself (accumulating, or a later kc block), the bias, or 0.
        T* c0 = null;
        nint ldc0 = n;
        if (s.Accumulate || pc > 0)
            c0 = cTile;
        else if (s.Bias != null)
        {
            c0 = s.Bias + jc + jr;
            ldc0 = 0;
        }
        if (mrHere == mr && nrHere == nr)
            TKernel.Run(kc, aSliver, rs, cs, bSliver, cTile, n, c0, ldc0);
        else
            RunEdge(kc, aSliver, rs, cs, bSliver, cTile, n, c0, ldc0, mrHere, nrHere, edge);
    }

    /// <summary>
    /// A partial tile. Up to 8 rows (of a 12-row kernel) run as 4-row pieces (<see cref="IGemmKernel{T}.RunRows4"/>),
    /// straight into C when the tile is full width: a batch of 64 rows ends in a tile of 4, which the full kernel
    /// would compute as 12 through a scratch tile. Otherwise, and for a partial width, the kernel runs on a scratch
    /// tile and the valid part is copied in and out.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void RunEdge(int kc, T* a, nint rs, nint cs, T* b, T* c, nint ldc, T* c0, nint ldc0, int rows, int cols, T* scratch)
    {
        int nr = TKernel.NR;
        bool pieces = TKernel.MR > 8 && rows <= 8;
        if (pieces && cols == nr)
        {
            RunPieces(kc, a, rs, cs, b, c, ldc, c0, ldc0, rows);
            return;
        }
        if (c0 != null)
        {
            new Span<T>(scratch, TKernel.MR * nr).Clear();
            for (int r = 0; r < rows; r++)
                new ReadOnlySpan<T>(c0 + r * ldc0, cols).CopyTo(new Span<T>(scratch + r * nr, cols));
        }
        if (pieces)
            RunPieces(kc, a, rs, cs, b, scratch, nr, c0 != null ? scratch : null, nr, rows);
        else
            TKernel.Run(kc, a, rs, cs, b, scratch, nr, c0 != null ? scratch : null, nr);
        for (int r = 0; r < rows; r++)
            new ReadOnlySpan<T>(scratch + r * nr, cols).CopyTo(new Span<T>(c + r * ldc, cols));
    }

    // Rows [0, rows) of a tile in pieces of at most 4; A's sliver is packed and zero-padded to MR rows, so every piece
    // has four rows to read.
    private static void RunPieces(int kc, T* a, nint rs, nint cs, T* b, T* c, nint ldc, T* c0, nint ldc0, int rows)
    {
        for (int r0 = 0; r0 < rows; r0 += 4)
            TKernel.RunRows4(kc, a + r0 * rs, rs, cs, b, c + r0 * ldc, ldc, c0 == null ? null : c0 + r0 * ldc0, ldc0, Math.Min(4, rows - r0));
    }
}

/// <summary>
/// Cuts a row or column of micro-tiles into chunks that threads take in order, first come first served (guided
/// self-scheduling): each chunk is half of an equal share of what is left, so the first ones are large (little
/// repeated packing and reading when every thread runs at full speed) and the last ones small, so a thread slowed by
/// another process takes fewer of them instead of holding up the others, and the product slows by its share only.
/// A product too short for that to pay (see <see cref="GemmDriver{T, TKernel}.GuidedWorkPerThread"/>) is cut into
/// one equal share per thread instead. The chunks depend only on the tile count and the planned threads, and no
/// element's computation depends on its chunk, so results stay bit-identical whatever the threads and whoever takes
/// which chunk.
/// </summary>
internal static class TileChunks
{
    /// <summary>
    /// For the schedule's own A/B benchmark only (bench/Backprop.Bench `gemm-ab`): true or false forces equal shares
    /// or shrinking chunks for every product; null (always, elsewhere) lets the product's length decide.
    /// </summary>
    internal static bool? ForceEqualShares;

    /// <summary>
    /// Chunks never get smaller than the tiles over this many per thread when each reads the other operand again:
    /// below that, the repeated reading costs more than the finer balance saves. Chunks that share a packed op(B)
    /// pass a larger bound (see <see cref="GemmDriver{T, TKernel}"/>).
    /// </summary>
    internal const int MaxChunksPerThread = 4;

    /// <summary>
    /// The number of chunks <paramref name="tiles"/> tiles are cut into for <paramref name="threads"/> threads, none
    /// (but the last) smaller than <paramref name="minTiles"/> or than the tiles over
    /// <paramref name="maxChunksPerThread"/> per thread; or, when <paramref name="equalShares"/>, one share per thread
    /// (where each begins: <see cref="EqualShareStart"/>).
    /// </summary>
    public static int Count(int tiles, int threads, int minTiles = 1, bool equalShares = false, int maxChunksPerThread = MaxChunksPerThread)
    {
        if (equalShares)
            return Math.Min(tiles, Math.Max(1, threads));
        int count = 0;
        for (int start = 0; start < tiles; count++)
            start += Size(start, tiles, threads, minTiles, maxChunksPerThread);
        return count;
    }

    /// <summary>The tiles [t0, t1) of shrinking chunk <paramref name="index"/>.</summary>
    public static (int T0, int T1) Range(int index, int tiles, int threads, int minTiles = 1, int maxChunksPerThread = MaxChunksPerThread)
    {
        int start = 0;
        for (int i = 0; i < index; i++)
            start += Size(start, tiles, threads, minTiles, maxChunksPerThread);
        return (start, start + Size(start, tiles, threads, minTiles, maxChunksPerThread));
    }

    /// <summary>
    /// Where equal share <paramref name="share"/> of <paramref name="shares"/> begins in a grid of tiles taken line after
    /// line (a line: the tiles across the cut at one position along it; <paramref name="lineTile"/> elements thick,
    /// <paramref name="lineExtent"/> in all), each line's tiles in order: at the tile boundary nearest to where the
    /// elements before it reach share/shares of all. As a line index and the tile within that line; share
    /// <paramref name="shares"/> begins past the end, at (lines, 0).
    /// </summary>
    public static (int Line, int Tile) EqualShareStart(int share, int shares, int lineExtent, int lineTile, int acrossExtent, int acrossTile)
    {
        int lines = (lineExtent + lineTile - 1) / lineTile, across = (acrossExtent + acrossTile - 1) / acrossTile;
        long target = (long)lineExtent * acrossExtent * share / shares;
        long perLine = (long)lineTile * acrossExtent;
        int line = (int)Math.Min(lines, target / perLine);
        if (line == lines)
            return (lines, 0);
        // How far across the line the share begins, and the nearest tile boundary to that; the last tile may be partial.
        long width = Math.Min(lineTile, lineExtent - (long)line * lineTile);
        long into = (target - line * perLine) / width;
        int tile = (int)Math.Min(across, (into + acrossTile / 2) / acrossTile);
        long lastStart = (long)(across - 1) * acrossTile;
        if (tile == across - 1 && into - lastStart > acrossExtent - into)
            tile = across;
        return tile == across ? (line + 1, 0) : (line, tile);
    }

    private static int Size(int start, int tiles, int threads, int minTiles, int maxChunksPerThread)
    {
        if (threads <= 1)
            return tiles - start;
        int left = tiles - start;
        int guided = (left + 2 * threads - 1) / (2 * threads);
        // At least one chunk per thread even when that makes them smaller than minTiles.
        int smallest = Math.Max(Math.Min(minTiles, Math.Max(1, tiles / threads)),
            (int)((tiles + (long)maxChunksPerThread * threads - 1) / ((long)maxChunksPerThread * threads)));
        return Math.Min(left, Math.Max(guided, smallest));
    }
}
