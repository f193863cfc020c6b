using System.Numerics;
using Backprop.Kernels;
using Backprop.Tests.Requirements;

namespace Backprop.Tests.Kernels;

public class GemmTests
{
    // Odd and even sizes around the micro-tile (12×32 / 12×16 / 6×16 ...) and vector widths, plus ones that cross
    // the direct/packed threshold and (257) the kc and mc block boundaries.
    private static readonly int[] Sizes = [1, 2, 7, 16, 33, 64, 65];

    // Shapes with one or more dimensions of 257 (a full cross product with 257 would make the naive reference slow).
    private static readonly (int M, int N, int K)[] LargeShapes =
        [(257, 65, 33), (33, 257, 65), (65, 33, 257), (257, 7, 257), (1, 257, 257), (257, 257, 2), (257, 257, 257)];

    public static TheoryData<bool, bool> TransposeCombinations => new() { { false, false }, { false, true }, { true, false }, { true, true } };

    [Theory]
    [MemberData(nameof(TransposeCombinations))]
    public void Float_MatchesNaiveReference(bool transA, bool transB) =>
        ForAllShapes(shape => CheckFloat(shape.M, shape.N, shape.K, transA, transB));

    [Theory]
    [MemberData(nameof(TransposeCombinations))]
    public void Double_MatchesNaiveReference(bool transA, bool transB) =>
        ForAllShapes(shape => CheckDouble(shape.M, shape.N, shape.K, transA, transB));

    [InstructionSetFact(GemmIsa.Vector256)]
    public void Avx2_kernels_match_naive_reference() => Fallback_kernels_match_naive_reference(GemmIsa.Vector256);

    [Fact]
    public void Scalar_kernels_match_naive_reference() => Fallback_kernels_match_naive_reference(GemmIsa.Scalar);

    private static void Fallback_kernels_match_naive_reference(GemmIsa isa)
    {
        // The override follows this test's async flow (and reaches the parallel items), not other tests'.
        Gemm.Isa = isa;
        try
        {
            foreach (var (m, n, k) in new[] { (7, 33, 16), (65, 64, 33), (257, 65, 33), (33, 257, 65) })
                foreach (bool transA in new[] { false, true })
                    foreach (bool transB in new[] { false, true })
                    {
                        CheckFloat(m, n, k, transA, transB);
                        CheckDouble(m, n, k, transA, transB);
                    }
        }
        finally
        {
            Gemm.Isa = GemmIsa.Vector512; // clamped back to what the hardware supports
        }
    }

    // Odd sizes that give partial micro-tiles on every kernel, both sides of the direct/packed threshold, more than
    // one kc block (k > 256), more than one mc block (m > 240) and more than one nc panel (n > 2048).
    // (13, 40, 1024), (29, 45, 512): rows of A 4 KB apart for float and double, which are packed even when op(A) = A
    // (elsewhere read in place), by the vector transpose that stores whole vectors past a 12- or 6-row sliver.
    // (64, 65, 40), (20, 70, 300): last row tiles of 4 and 8 rows, which a 12-row kernel runs as 4-row pieces (straight
    // into C where the tile is full width, through the scratch tile where it is not); 5, 7 and 29 rows end in a piece
    // of 1 or 3.
    private static readonly (int M, int N, int K)[] ExactShapes =
        [(1, 1, 1), (5, 17, 33), (17, 5, 13), (33, 33, 5), (13, 31, 47), (37, 67, 300), (250, 40, 70), (25, 129, 600), (7, 2100, 40),
         (13, 40, 1024), (29, 45, 512), (64, 65, 40), (20, 70, 300)];

    public static TheoryData<int> Isas => new() { (int)GemmIsa.Vector512, (int)GemmIsa.Vector256, (int)GemmIsa.Scalar };

    /// <summary>
    /// Every path sums each element's products in order of p, so its result is exactly that of a plain loop:
    /// one fused multiply-add per product on the SIMD paths (micro-kernels, direct strips, leftover columns), and
    /// a rounded multiply then add in the packed scalar kernel. This pins the kernels bit for bit, for float and
    /// double, whichever kernel the instruction set selects (an ISA the hardware lacks is clamped to one it has).
    /// </summary>
    [Theory]
    [MemberData(nameof(Isas))]
    public void Every_kernel_equals_an_in_order_multiply_add_loop_bit_for_bit(int isa)
    {
        Gemm.Isa = (GemmIsa)isa;
        try
        {
            foreach (var (m, n, k) in ExactShapes)
                foreach (bool transA in new[] { false, true })
                    foreach (bool transB in new[] { false, true })
                    {
                        CheckExact<float>(m, n, k, transA, transB);
                        CheckExact<double>(m, n, k, transA, transB);
                    }
        }
        finally
        {
            Gemm.Isa = GemmIsa.Vector512; // clamped back to what the hardware supports
        }
    }

    /// <summary>
    /// The GEMM products of the gpt_char training step (../shared/bench/GPT.md): x·Wᵀ, dY·W and dYᵀ·X of its linear
    /// layers at B·T = 768 rows. At the exact shapes, whole 12-row tiles are read in place and C has one partial column
    /// sliver at n = 83.
    /// </summary>
    public static TheoryData<int, int, int, bool, bool> GptShapes => new()
    {
        { 768, 384, 128, false, true }, { 768, 83, 128, false, true }, { 768, 128, 512, false, true },
        { 768, 128, 384, false, false }, { 768, 512, 128, false, false }, { 768, 128, 83, false, false },
        { 384, 128, 768, true, false }, { 128, 512, 768, true, false }, { 83, 128, 768, true, false },
    };

    [Theory]
    [MemberData(nameof(GptShapes))]
    public void Gpt_products_equal_an_in_order_multiply_add_loop_at_1_2_and_3_threads(int m, int n, int k, bool transA, bool transB)
    {
        foreach (int threads in new[] { 1, 2, 3 })
            WithThreads.Run(threads, () =>
            {
                CheckExact<float>(m, n, k, transA, transB);
                return 0;
            });
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void Bias_rows_start_every_sum_exactly_as_seeding_C_and_accumulating(int isa)
    {
        Gemm.Isa = (GemmIsa)isa;
        try
        {
            // Direct (small) and packed paths, partial tiles in both directions, several kc blocks.
            foreach (var (m, n, k) in new[] { (3, 5, 7), (37, 67, 300), (25, 129, 40), (768, 83, 128) })
                foreach (bool transB in new[] { false, true })
                {
                    CheckBias<float>(m, n, k, transB);
                    CheckBias<double>(m, n, k, transB);
                }
        }
        finally
        {
            Gemm.Isa = GemmIsa.Vector512;
        }
    }

    [Fact]
    public void Bias_shorter_than_n_is_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => Gemm.MultiplyAddRow<float>(new float[6], new float[6], new float[2], new float[9], 3, 3, 2));
        Assert.Equal("bias", ex.ParamName);
        Assert.Contains("length 2 but n = 3", ex.Message);
    }

    private static void CheckBias<T>(int m, int n, int k, bool transB) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(m * 31 + n * 17 + k + (transB ? 5 : 0));
        T[] a = RandomValues<T>(rng, m * k), b = RandomValues<T>(rng, k * n), bias = RandomValues<T>(rng, n);
        var c = RandomValues<T>(rng, m * n); // overwritten, never read
        Gemm.MultiplyAddRow<T>(a, b, bias, c, m, n, k, transB: transB);
        // The reference: each sum starts from its column's bias and adds the products in order of p, fused except in
        // the packed scalar kernel (as in CheckExact).
        bool fused = Gemm.Isa != GemmIsa.Scalar || (long)m * n * k <= Gemm.DirectMaxWork;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                T sum = bias[j];
                for (int p = 0; p < k; p++)
                {
                    T x = a[i * k + p], y = b[transB ? j * k + p : p * n + j];
                    sum = fused ? T.FusedMultiplyAdd(x, y, sum) : sum + x * y;
                }
                if (!sum.Equals(c[i * n + j]))
                    Assert.Fail($"{typeof(T).Name} C[{i},{j}] of {m}x{n}x{k} on {Gemm.Isa} (transB={transB}) is {c[i * n + j]:R}, expected exactly {sum:R}.");
            }
    }

    [Fact]
    public void Generic_entry_rejects_an_element_type_without_kernels()
    {
        var ex = Assert.Throws<NotSupportedException>(() => Gemm.Multiply<Half>(new Half[4], new Half[4], new Half[4], 2, 2, 2));
        Assert.Contains("Half", ex.Message);
        Assert.Contains("expected float or double", ex.Message);
    }

    private static void CheckExact<T>(int m, int n, int k, bool transA, bool transB) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(m * 7919 + n * 104729 + k + (transA ? 1 : 0) + (transB ? 2 : 0));
        T[] a = RandomValues<T>(rng, m * k), b = RandomValues<T>(rng, k * n), c0 = RandomValues<T>(rng, m * n);
        // The packed scalar kernel (large products without 256-bit SIMD) is the only path that does not fuse.
        bool fused = Gemm.Isa != GemmIsa.Scalar || (long)m * n * k <= Gemm.DirectMaxWork;
        foreach (bool accumulate in new[] { false, true })
        {
            var c = (T[])c0.Clone();
            Gemm.Multiply<T>(a, b, c, m, n, k, transA, transB, accumulate);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    T s = accumulate ? c0[i * n + j] : T.Zero;
                    for (int p = 0; p < k; p++)
                    {
                        T x = a[transA ? p * m + i : i * k + p], y = b[transB ? j * k + p : p * n + j];
                        s = fused ? T.FusedMultiplyAdd(x, y, s) : s + x * y;
                    }
                    if (!s.Equals(c[i * n + j]))
                        Assert.Fail($"{typeof(T).Name} C[{i},{j}] of {m}x{n}x{k} on {Gemm.Isa} (transA={transA}, transB={transB}, " +
                                    $"accumulate={accumulate}) is {c[i * n + j]:R}, expected exactly {s:R}.");
                }
        }
    }

    private static T[] RandomValues<T>(Random rng, int length) where T : IFloatingPointIeee754<T>
    {
        var x = new T[length];
        for (int i = 0; i < length; i++)
            x[i] = T.CreateTruncating(rng.NextDouble() * 2 - 1);
        return x;
    }

    /// <summary>
    /// The training products of `bench gemm-sweep` (a linear layer's forward x·Wᵀ, dX = G·W and the small-k weight
    /// gradient dW = Gᵀ·x, at the GPT's and the Fashion-MNIST MLP's sizes) and a square one with rows 4 KB apart: each
    /// equal to the in-order multiply-add loop at 1, 2 and 3 threads, so whichever thread takes which chunk of C.
    /// </summary>
    public static TheoryData<int, int, int, bool, bool> TrainingShapes => new()
    {
        { 256, 784, 64, true, false }, { 64, 256, 784, false, true }, { 64, 784, 256, false, false },
        { 384, 128, 768, true, false }, { 1024, 96, 1024, false, false },
    };

    [Theory]
    [MemberData(nameof(TrainingShapes))]
    public void Training_products_equal_an_in_order_multiply_add_loop_at_1_2_and_3_threads(int m, int n, int k, bool transA, bool transB)
    {
        foreach (int threads in new[] { 1, 2, 3 })
            WithThreads.Run(threads, () =>
            {
                CheckExact<float>(m, n, k, transA, transB);
                CheckExact<double>(m, n, k, transA, transB);
                return 0;
            });
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1, 2, 1)]
    [InlineData(7, 2, 1)]
    [InlineData(25, 2, 1)]
    [InlineData(64, 2, 1)]
    [InlineData(64, 3, 1)]
    [InlineData(100, 7, 1)]
    [InlineData(32, 2, 8)]
    [InlineData(10, 3, 8)]
    [InlineData(4, 2, 3)]
    public void Tile_chunks_cover_every_tile_once_in_order_largest_first(int tiles, int threads, int minTiles)
    {
        int count = TileChunks.Count(tiles, threads, minTiles);
        Assert.InRange(count, Math.Min(tiles, threads), tiles);
        int next = 0, previous = int.MaxValue;
        for (int i = 0; i < count; i++)
        {
            var (t0, t1) = TileChunks.Range(i, tiles, threads, minTiles);
            if (t1 < tiles)
                Assert.True(t1 - t0 >= Math.Min(minTiles, tiles / threads), $"chunk {i} is [{t0}, {t1}), smaller than {minTiles} tiles");
            Assert.Equal(next, t0);
            Assert.True(t1 > t0 && t1 - t0 <= previous, $"chunk {i} is [{t0}, {t1}) after one of {previous} tiles");
            previous = t1 - t0;
            next = t1;
        }
        Assert.Equal(tiles, next);
        if (threads > 1 && tiles >= 4 * threads && minTiles == 1)
            Assert.True(count >= 2 * threads, $"{tiles} tiles on {threads} threads make only {count} chunks: too few to balance a slowed thread");
    }

    [Theory]
    [InlineData(1, 2, 1, 12)]
    [InlineData(256, 2, 256, 12)]
    [InlineData(784, 2, 64, 12)]   // 25 columns of tiles: whole columns would give 13 and 12
    [InlineData(784, 3, 64, 12)]
    [InlineData(100, 7, 33, 12)]
    [InlineData(64, 2, 784, 32)]   // split by rows
    [InlineData(31, 5, 5, 12)]     // more shares than lines
    public void Equal_shares_cover_every_tile_once_in_order_and_hold_equal_elements_within_a_tile(int lineExtent, int shares, int acrossExtent, int acrossTile)
    {
        const int lineTile = 32;
        int lines = (lineExtent + lineTile - 1) / lineTile, across = (acrossExtent + acrossTile - 1) / acrossTile;
        Assert.Equal((0, 0), TileChunks.EqualShareStart(0, shares, lineExtent, lineTile, acrossExtent, acrossTile));
        Assert.Equal((lines, 0), TileChunks.EqualShareStart(shares, shares, lineExtent, lineTile, acrossExtent, acrossTile));
        long total = (long)lineExtent * acrossExtent, before = 0;
        var previous = (Line: 0, Tile: 0);
        for (int share = 1; share <= shares; share++)
        {
            var start = TileChunks.EqualShareStart(share, shares, lineExtent, lineTile, acrossExtent, acrossTile);
            Assert.True(start.Line < lines ? start.Tile < across : start.Tile == 0, $"share {share} starts at {start}, past a line's {across} tiles");
            Assert.True(start.Line > previous.Line || (start.Line == previous.Line && start.Tile >= previous.Tile),
                $"share {share} starts at {start}, before the previous share's {previous}");
            // The elements before the share's start (whole lines, then whole tiles of its line) are within one tile of share/shares.
            long elements = (long)Math.Min(lineExtent, start.Line * lineTile) * acrossExtent;
            if (start.Line < lines)
                elements += (long)Math.Min(lineTile, lineExtent - start.Line * lineTile) * Math.Min(acrossExtent, start.Tile * acrossTile);
            Assert.InRange(elements, before, total);
            Assert.InRange(elements - total * share / shares, -lineTile * acrossTile, lineTile * acrossTile);
            (previous, before) = (start, elements);
        }
    }

    [Fact]
    public void Products_too_small_to_pay_for_a_second_thread_run_on_one()
    {
        using var limit = Parallelism.Limit(2);
        using var probe = Parallelism.Probe();
        var c = new float[64 * 64];
        Gemm.Multiply(new float[64 * 64], new float[64 * 64], c, 64, 64, 64);
        Assert.Equal(1, probe.WidestLoop);
        Gemm.Multiply(new float[128 * 128], new float[128 * 128], new float[128 * 128], 128, 128, 128);
        Assert.Equal(2, probe.WidestLoop);
    }

    [Theory]
    [InlineData(257, 129, 300)]  // split by columns
    [InlineData(1030, 33, 70)]   // tall: split by rows
    [InlineData(65, 1030, 600)]  // wide, several kc blocks
    [InlineData(600, 700, 500)]  // long enough for shrinking chunks on 2 threads (equal shares on 3)
    public void Results_are_bit_identical_for_any_thread_count(int m, int n, int k)
    {
        var rng = new Random(m * 31 + n * 7 + k);
        float[] af = RandomArray(rng, m * k), bf = RandomArray(rng, k * n);
        double[] ad = Array.ConvertAll(af, x => (double)x), bd = Array.ConvertAll(bf, x => (double)x);
        var firstF = new float[2][];
        var firstD = new double[2][];
        foreach (int threads in new[] { 1, 2, 3 })
        {
            for (int t = 0; t < 2; t++)
            {
                var (cf, cd) = WithThreads.Run(threads, () =>
                {
                    var cf = new float[m * n];
                    var cd = new double[m * n];
                    Gemm.Multiply(af, bf, cf, m, n, k, transB: t == 1);
                    Gemm.Multiply(ad, bd, cd, m, n, k, transB: t == 1);
                    return (cf, cd);
                });
                firstF[t] ??= cf;
                firstD[t] ??= cd;
                // Exact comparison: xunit compares the elements with ==, not within a tolerance.
                Assert.Equal(firstF[t], cf);
                Assert.Equal(firstD[t], cd);
            }
        }
    }

    [Fact]
    public void Zero_k_clears_or_keeps_C()
    {
        var c = new float[] { 1, 2, 3, 4, 5, 6 };
        Gemm.Multiply([], [], c, 2, 3, 0, accumulate: true);
        Assert.Equal([1f, 2, 3, 4, 5, 6], c);
        Gemm.Multiply([], [], c, 2, 3, 0);
        Assert.Equal(new float[6], c);
    }

    [Fact]
    public void Short_operand_is_rejected_with_a_descriptive_message()
    {
        var ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[11], new float[20], new float[15], 3, 5, 4));
        Assert.Equal("a", ex.ParamName);
        Assert.Contains("length 11", ex.Message);
        Assert.Contains("m*k = 3*4 = 12", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(new double[12], new double[19], new double[15], 3, 5, 4));
        Assert.Equal("b", ex.ParamName);
        Assert.Contains("k*n = 4*5 = 20", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[12], new float[20], new float[14], 3, 5, 4));
        Assert.Equal("c", ex.ParamName);
        Assert.Contains("m*n = 3*5 = 15", ex.Message);

        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(new float[1], new float[1], new float[1], -1, 1, 1));
    }

    [Fact]
    public void Parallel_for_runs_every_item_once_and_rethrows()
    {
        using (Parallelism.Limit(0))
            Assert.Equal(1, Parallelism.CurrentMaxThreads); // clamped
        using var limit = Parallelism.Limit(2);
        var hits = new int[1000];
        Parallelism.For(hits.Length, 1_000_000, new CountingBody { Hits = hits });
        Assert.All(hits, h => Assert.Equal(1, h));

        var thrown = Assert.Throws<InvalidOperationException>(() =>
            Parallelism.For(8, 1_000_000, new CountingBody { Hits = new int[8], ThrowAt = 5 }));
        Assert.Equal("item 5", thrown.Message);
    }

    private struct CountingBody : IParallelBody
    {
        public int[] Hits;
        public int ThrowAt;

        public readonly void Invoke(int index)
        {
            Interlocked.Increment(ref Hits[index]);
            if (index == ThrowAt && ThrowAt > 0)
                throw new InvalidOperationException($"item {index}");
        }
    }

    private static void ForAllShapes(Action<(int M, int N, int K)> check)
    {
        foreach (int m in Sizes)
            foreach (int n in Sizes)
                foreach (int k in Sizes)
                    check((m, n, k));
        foreach (var shape in LargeShapes)
            check(shape);
    }

    private static void CheckFloat(int m, int n, int k, bool transA, bool transB)
    {
        var rng = new Random(m * 1_000_003 + n * 1009 + k * 7 + (transA ? 1 : 0) + (transB ? 2 : 0));
        float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n), c0 = RandomArray(rng, m * n);
        foreach (bool accumulate in new[] { false, true })
        {
            var c = (float[])c0.Clone();
            Gemm.Multiply(a, b, c, m, n, k, transA, transB, accumulate);
            Compare(m, n, k, transA, transB, accumulate, i => a[i], i => b[i], i => c0[i], i => c[i], MathF.BitIncrement(1f) - 1f);
        }
    }

    private static void CheckDouble(int m, int n, int k, bool transA, bool transB)
    {
        var rng = new Random(m * 1_000_003 + n * 1009 + k * 7 + (transA ? 1 : 0) + (transB ? 2 : 0) + 99);
        double[] a = Array.ConvertAll(RandomArray(rng, m * k), x => x + rng.NextDouble() * 1e-9);
        double[] b = Array.ConvertAll(RandomArray(rng, k * n), x => x + rng.NextDouble() * 1e-9);
        double[] c0 = Array.ConvertAll(RandomArray(rng, m * n), x => (double)x);
        foreach (bool accumulate in new[] { false, true })
        {
            var c = (double[])c0.Clone();
            Gemm.Multiply(a, b, c, m, n, k, transA, transB, accumulate);
            Compare(m, n, k, transA, transB, accumulate, i => a[i], i => b[i], i => c0[i], i => c[i], Math.BitIncrement(1.0) - 1.0);
        }
    }

    /// <summary>
    /// Compares against a naive triple loop accumulated in double. Tolerance: a length-k sum of products in
    /// precision u = eps/2 is off by at most about k·u·Σ|a·b| (the classic γ_k bound), and accumulating adds
    /// one more rounding of |C0| + Σ|a·b|. We allow (k + 2)·eps·(|C0| + Σ|a·b|), i.e. twice the worst case,
    /// which also covers the reference's own double rounding when testing doubles. Realistic errors are
    /// ~√k·u·Σ|a·b|, so the check is far from flaky yet still catches any wrong or missing term (those
    /// are off by O(|a·b|), not O(eps)).
    /// </summary>
    private static void Compare(int m, int n, int k, bool transA, bool transB, bool accumulate,
        Func<int, double> a, Func<int, double> b, Func<int, double> c0, Func<int, double> c, double eps)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c0(i * n + j) : 0, magnitude = accumulate ? Math.Abs(sum) : 0;
                for (int p = 0; p < k; p++)
                {
                    double term = a(transA ? p * m + i : i * k + p) * b(transB ? j * k + p : p * n + j);
                    sum += term;
                    magnitude += Math.Abs(term);
                }
                double tolerance = (k + 2) * eps * magnitude;
                double actual = c(i * n + j);
                if (!(Math.Abs(actual - sum) <= tolerance))
                    Assert.Fail($"C[{i},{j}] of {m}x{n}x{k} (transA={transA}, transB={transB}, accumulate={accumulate}) " +
                                $"is {actual}, expected {sum} ± {tolerance}.");
            }
    }

    private static float[] RandomArray(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++)
            x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }
}
