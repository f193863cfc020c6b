namespace Backprop.Tests.Ops;

/// <summary>
/// The matrix product with PyTorch's rules against a naive triple loop written here (batch axes broadcast by hand),
/// plus one 2×2 product computed by hand.
/// </summary>
public class MatMulTests
{
    private static double[] Random(int n, ulong seed)
    {
        var g = new Generator(seed);
        return Enumerable.Range(0, n).Select(_ => (double)(float)(2 * g.NextDouble() - 1)).ToArray();
    }

    private static int Numel(int[] s) => s.Aggregate(1, (p, d) => p * d);

    /// <summary>
    /// Naive batched product of row-major A [..., m, k] and B [..., k, n] (both rank ≥ 2): the batch shape is the broadcast
    /// of the two batch shapes, and each operand's batch index is found by hand (0 on its size-1 or missing axes).
    /// </summary>
    private static (int[] Shape, double[] Values) Naive(double[] a, int[] aShape, double[] b, int[] bShape)
    {
        int m = aShape[^2], k = aShape[^1], n = bShape[^1];
        Assert.Equal(k, bShape[^2]);
        var aBatch = aShape[..^2];
        var bBatch = bShape[..^2];
        int rank = Math.Max(aBatch.Length, bBatch.Length);
        var batch = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i >= rank - aBatch.Length ? aBatch[i - (rank - aBatch.Length)] : 1;
            int db = i >= rank - bBatch.Length ? bBatch[i - (rank - bBatch.Length)] : 1;
            batch[i] = Math.Max(da, db);
        }
        int count = Numel(batch);
        var result = new double[count * m * n];
        var index = new int[rank];
        for (int p = 0; p < count; p++)
        {
            int rem = p;
            for (int i = rank - 1; i >= 0; i--)
            {
                index[i] = rem % batch[i];
                rem /= batch[i];
            }
            int pa = BatchOffset(index, aBatch), pb = BatchOffset(index, bBatch);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int q = 0; q < k; q++) s += a[pa * m * k + i * k + q] * b[pb * k * n + q * n + j];
                    result[p * m * n + i * n + j] = s;
                }
        }
        return ([.. batch, m, n], result);
    }

    private static int BatchOffset(int[] index, int[] batch)
    {
        int lead = index.Length - batch.Length, pos = 0;
        for (int i = 0; i < batch.Length; i++) pos = pos * batch[i] + (batch[i] == 1 ? 0 : index[lead + i]);
        return pos;
    }

    private static void AssertClose(double[] expected, double[] actual, double tol)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }

    [Fact]
    public void TwoByTwoByHand()
    {
        // [[1,2],[3,4]]·[[5,6],[7,8]] = [[1·5+2·7, 1·6+2·8],[3·5+4·7, 3·6+4·8]] = [[19,22],[43,50]].
        var a = Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 } });
        var b = Tensor.FromArray(new float[,] { { 5, 6 }, { 7, 8 } });
        Assert.Equal(new[] { 19f, 22, 43, 50 }, Tensor.MatMul(a, b).ToFloatArray());
        Assert.Equal(new[] { 19f, 22, 43, 50 }, a.MatMul(b).ToFloatArray());
    }

    public static TheoryData<int[], int[], DType> OperandShapes() => new()
    {
        { new[] { 3, 4 }, new[] { 4, 5 }, DType.Float64 },
        { new[] { 3, 4 }, new[] { 4, 5 }, DType.Float32 },
        { new[] { 1, 7 }, new[] { 7, 1 }, DType.Float64 },
        { new[] { 17, 33 }, new[] { 33, 9 }, DType.Float32 },   // odd sizes across GEMM tile edges
        { new[] { 2, 3, 4 }, new[] { 2, 4, 5 }, DType.Float64 }, // batched
        { new[] { 2, 3, 4 }, new[] { 4, 5 }, DType.Float32 },    // batched · matrix
        { new[] { 3, 4 }, new[] { 2, 4, 5 }, DType.Float64 },    // matrix · batched
        { new[] { 2, 1, 3, 4 }, new[] { 3, 4, 2 }, DType.Float64 }, // broadcast batch [2,1] & [3] → [2,3]
        { new[] { 1, 2, 3 }, new[] { 4, 3, 2 }, DType.Float32 }, // broadcast batch [1] & [4]
    };

    [Theory]
    [MemberData(nameof(OperandShapes))]
    public void MatricesAndBatchesMatchNaiveTripleLoop(int[] aShape, int[] bShape, DType dtype)
    {
        var a = Random(Numel(aShape), 1);
        var b = Random(Numel(bShape), 2);
        var (shape, expected) = Naive(a, aShape, b, bShape);
        var ta = dtype == DType.Float32 ? Tensor.FromArray(a.Select(v => (float)v).ToArray(), aShape) : Tensor.FromArray(a, aShape);
        var tb = dtype == DType.Float32 ? Tensor.FromArray(b.Select(v => (float)v).ToArray(), bShape) : Tensor.FromArray(b, bShape);
        var y = Tensor.MatMul(ta, tb);
        Assert.Equal(shape, y.Shape.ToArray());
        Assert.Equal(dtype, y.DType);
        // float32 sums of ≤ 33 products of |x| ≤ 1 in float: error well below 1e-5.
        AssertClose(expected, y.ToDoubleArray(), dtype == DType.Float32 ? 2e-5 : 1e-12);
    }

    [Fact]
    public void VectorCases()
    {
        var v = Random(4, 3);
        var w = Random(4, 4);
        var m = Random(12, 5); // [4,3] and, read differently, [3,4]
        var tv = Tensor.FromArray(v);
        var tw = Tensor.FromArray(w);

        // 1-d · 1-d: a 0-d dot product.
        var dot = Tensor.MatMul(tv, tw);
        Assert.Equal(0, dot.Rank);
        Assert.Equal(v.Zip(w, (x, y) => x * y).Sum(), dot.Item(), 12);

        // 1-d · 2-d: v as a row vector, the unit axis removed → [3].
        var (s1, e1) = Naive(v, [1, 4], m, [4, 3]);
        var vm = Tensor.MatMul(tv, Tensor.FromArray(m, 4, 3));
        Assert.Equal(new[] { 3 }, vm.Shape.ToArray());
        Assert.Equal([1, 3], s1);
        AssertClose(e1, vm.ToDoubleArray(), 1e-12);

        // 2-d · 1-d: v as a column vector → [3].
        var (_, e2) = Naive(m, [3, 4], v, [4, 1]);
        var mv = Tensor.MatMul(Tensor.FromArray(m, 3, 4), tv);
        Assert.Equal(new[] { 3 }, mv.Shape.ToArray());
        AssertClose(e2, mv.ToDoubleArray(), 1e-12);

        // batched · 1-d: [2,3,2]·[2] → [2,3].
        var bm = Random(12, 6);
        var (_, e3) = Naive(bm, [2, 3, 2], v[..2], [2, 1]);
        var bv = Tensor.MatMul(Tensor.FromArray(bm, 2, 3, 2), Tensor.FromArray(v[..2]));
        Assert.Equal(new[] { 2, 3 }, bv.Shape.ToArray());
        AssertClose(e3, bv.ToDoubleArray(), 1e-12);
    }

    [Fact]
    public void TransposedAndSlicedOperandsAreReadInPlaceCorrectly()
    {
        // Aᵀ·B where A is [4,3] stored row-major: Aᵀ[i,q] = a[q*3 + i], built by hand for the reference.
        var a = Random(12, 7);
        var b = Random(8, 8);
        var at = new double[12];
        for (int i = 0; i < 3; i++)
            for (int q = 0; q < 4; q++)
                at[i * 4 + q] = a[q * 3 + i];
        var (_, expected) = Naive(at, [3, 4], b, [4, 2]);
        AssertClose(expected, Tensor.MatMul(Tensor.FromArray(a, 4, 3).T, Tensor.FromArray(b, 4, 2)).ToDoubleArray(), 1e-12);

        // A·Bᵀ with B [2,4]: Bᵀ[q,j] = b[j*4 + q].
        var bt = new double[8];
        for (int q = 0; q < 4; q++)
            for (int j = 0; j < 2; j++)
                bt[q * 2 + j] = b[j * 4 + q];
        var (_, expected2) = Naive(at, [3, 4], bt, [4, 2]);
        AssertClose(expected2, Tensor.MatMul(Tensor.FromArray(a, 4, 3).T, Tensor.FromArray(b, 2, 4).T).ToDoubleArray(), 1e-12);

        // Every other row of an [8,3] matrix: rows 0,2,4,6 of c, times b·(the [3,2] start of b read as [3,2]).
        var c = Random(24, 9);
        var rows = new double[12];
        for (int r = 0; r < 4; r++)
            for (int j = 0; j < 3; j++)
                rows[r * 3 + j] = c[2 * r * 3 + j];
        var (_, expected3) = Naive(rows, [4, 3], b[..6], [3, 2]);
        var sliced = Tensor.FromArray(c, 8, 3).Slice(0, 0, 8, 2);
        AssertClose(expected3, Tensor.MatMul(sliced, Tensor.FromArray(b[..6], 3, 2)).ToDoubleArray(), 1e-12);
    }

    [Fact]
    public void GradientsAreGTimesBTransposedAndATransposedTimesG()
    {
        // y = Σ (A·B) with A [2,3], B [3,2]: ∂/∂A[i,q] = Σ_j B[q,j], ∂/∂B[q,j] = Σ_i A[i,q] (hand).
        var a = Tensor.FromArray(new[] { 1.0, 2, 3, 4, 5, 6 }, 2, 3);
        var b = Tensor.FromArray(new[] { 1.0, -1, 2, 0, 0.5, 3 }, 3, 2);
        a.RequiresGrad = true;
        b.RequiresGrad = true;
        Tensor.MatMul(a, b).Sum().Backward();
        Assert.Equal(new[] { 0.0, 2, 3.5, 0, 2, 3.5 }, a.Grad!.ToDoubleArray());
        Assert.Equal(new[] { 5.0, 5, 7, 7, 9, 9 }, b.Grad!.ToDoubleArray());

        // Broadcast batch: B [3,2] used by both batch entries of A [2,2,3] receives the sum over the batch.
        var ab = Tensor.Ones([2, 2, 3], DType.Float64, requiresGrad: true);
        var bb = Tensor.Ones([3, 2], DType.Float64, requiresGrad: true);
        Tensor.MatMul(ab, bb).Sum().Backward();
        Assert.Equal(new[] { 3, 2 }, bb.Grad!.Shape.ToArray());
        Assert.Equal(Enumerable.Repeat(4.0, 6), bb.Grad!.ToDoubleArray()); // 2 batches × 2 rows of ones
        Assert.Equal(Enumerable.Repeat(2.0, 12), ab.Grad!.ToDoubleArray()); // row sums of B
    }

    [Fact]
    public void A_matrix_applied_along_a_batch_computes_each_item_as_its_own_product()
    {
        // x [3, 40, 70] · Wᵀ, W [50, 70] read through its transpose view (a tied output layer's x·wteᵀ): the batch is
        // folded into one product's rows, and every item must come out bit for bit as the item's own product.
        var xv = Random(3 * 40 * 70, 5).Select(v => (float)v).ToArray();
        var wv = Random(50 * 70, 6).Select(v => (float)v).ToArray();
        var x = Tensor.FromArray(xv, 3, 40, 70);
        var w = Tensor.FromArray(wv, 50, 70);
        x.RequiresGrad = true;
        w.RequiresGrad = true;
        var y = Tensor.MatMul(x, w.T);
        Assert.Equal(new[] { 3, 40, 50 }, y.Shape.ToArray());
        var all = y.ToDoubleArray();
        var gy = Random(3 * 40 * 50, 7);
        for (int i = 0; i < 3; i++)
        {
            var item = Tensor.MatMul(Tensor.FromArray(xv.AsSpan(i * 40 * 70, 40 * 70).ToArray(), 40, 70), Tensor.FromArray(wv, 50, 70).T);
            Assert.Equal(item.ToDoubleArray(), all.AsSpan(i * 40 * 50, 40 * 50).ToArray());
        }

        // ∂/∂W[j, q] = Σ_items Σ_rows g[b, r, j]·x[b, r, q] (W's gradient summed over the batch), against a double loop.
        (y * Tensor.FromArray(gy.Select(v => (float)v).ToArray(), 3, 40, 50)).Sum().Backward();
        var expected = new double[50 * 70];
        for (int b = 0; b < 3; b++)
            for (int r = 0; r < 40; r++)
                for (int j = 0; j < 50; j++)
                    for (int q = 0; q < 70; q++)
                        expected[j * 70 + q] += (double)(float)gy[(b * 40 + r) * 50 + j] * xv[(b * 40 + r) * 70 + q];
        Assert.Equal(new[] { 50, 70 }, w.Grad!.Shape.ToArray());
        // 120 products of |x| ≤ 1 summed in float: error well below 1e-4.
        AssertClose(expected, w.Grad!.ToDoubleArray(), 1e-4);
        Assert.Equal(new[] { 3, 40, 70 }, x.Grad!.Shape.ToArray());
    }

    [Fact]
    public void Batched_products_are_bit_identical_for_any_thread_count()
    {
        // 8 attention-sized items, [64, 32]·[32, 64], spread over the threads one item each: the same bits at 1, 2, 3.
        var a = Tensor.FromArray(Random(8 * 64 * 32, 8).Select(v => (float)v).ToArray(), 8, 64, 32);
        var b = Tensor.FromArray(Random(8 * 32 * 64, 9).Select(v => (float)v).ToArray(), 8, 32, 64);
        var first = Kernels.WithThreads.Run(1, () => Tensor.MatMul(a, b).ToDoubleArray());
        foreach (int threads in new[] { 2, 3 })
            Assert.Equal(first, Kernels.WithThreads.Run(threads, () => Tensor.MatMul(a, b).ToDoubleArray()));
    }
}
