using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// Matrix product of operands of rank ≥ 2, [..., m, k] · [..., k, n], with the batch axes broadcast.
/// ∂/∂A = G·Bᵀ and ∂/∂B = Aᵀ·G; the transposes are never materialised, the GEMM reads them in place.
/// (1-d operands are handled by <see cref="Tensor.MatMul(Tensor, Tensor)"/>, which adds and removes a unit axis around this op.)
/// </summary>
internal sealed class MatMulOp : Node
{
    private Tensor? _a, _b;
    public override string Name => "matmul";

    public static Tensor Apply(Tensor a, Tensor b)
    {
        Elementwise.RequireFloat("matmul", a);
        Elementwise.RequireFloat("matmul", b);
        if (a.Rank < 2 || b.Rank < 2)
            throw new ArgumentException($"matmul: internal operands must have rank >= 2, got {Shapes.Format(a.ShapeArray)} and {Shapes.Format(b.ShapeArray)}");
        int k = a.ShapeArray[^1];
        if (b.ShapeArray[^2] != k)
            throw new ArgumentException(
                $"matmul: shapes {Shapes.Format(a.ShapeArray)} and {Shapes.Format(b.ShapeArray)} do not fit: the last axis of the first ({k}) must equal the second-to-last axis of the second ({b.ShapeArray[^2]})");
        // The batch axes are checked here, where the operands' full shapes can be named (Product sees only the batch parts).
        Shapes.Broadcast($"matmul: the batch axes of {Shapes.Format(a.ShapeArray)} and {Shapes.Format(b.ShapeArray)} do not broadcast",
            a.ShapeArray.AsSpan(0, a.Rank - 2), b.ShapeArray.AsSpan(0, b.Rank - 2));
        var y = Product(a, false, b, false);
        return Autograd.ShouldRecord(a, b) ? Record(y, new MatMulOp { _a = a, _b = b }, a, b) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var a = Saved(_a);
        var b = Saved(_b);
        if (InputArray[0].RequiresGrad) dx[0] = Product(g, false, b, true);
        if (InputArray[1].RequiresGrad)
        {
            // A matrix applied to every batch item (x·W over [..., m, k]): its gradient Σ_batch xᵀ·g is one product
            // with the batch folded into k, instead of one per item and then a sum over the batch axes.
            dx[1] = b.Rank == 2 && a.Rank > 2
                ? Product(FoldBatch(a.ContiguousData()), true, FoldBatch(g.ContiguousData()), false)
                : Product(a, true, g, false);
        }
    }

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    // The batch axes of a broadcast operand are summed back by the engine, with recorded sums.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        var a = Input(0);
        var b = Input(1);
        if (Wants(0)) dx[0] = Apply(g, b.Transpose(-2, -1));
        if (Wants(1)) dx[1] = Apply(a.Transpose(-2, -1), g);
    }

    /// <summary>A contiguous [..., r, c] tensor viewed as one [(...)·r, c] matrix.</summary>
    private static Tensor FoldBatch(Tensor t) => t.ViewData([t.Numel / t.ShapeArray[^1], t.ShapeArray[^1]]);

    protected override void ReleaseSaved() => _a = _b = null;

    /// <summary>op(x)·op(y) over broadcast batch axes, where op transposes the last two axes when asked.</summary>
    internal static Tensor Product(Tensor x, bool transX, Tensor y, bool transY)
    {
        var dtype = DTypeInfo.Promote(x.DType, y.DType);
        x = x.CastData(dtype);
        y = y.CastData(dtype);
        int m = transX ? x.ShapeArray[^1] : x.ShapeArray[^2];
        int k = transX ? x.ShapeArray[^2] : x.ShapeArray[^1];
        int n = transY ? y.ShapeArray[^2] : y.ShapeArray[^1];
        var batch = Shapes.Broadcast("matmul", x.ShapeArray.AsSpan(0, x.Rank - 2), y.ShapeArray.AsSpan(0, y.Rank - 2));
        var shape = new int[batch.Length + 2];
        batch.CopyTo(shape, 0);
        shape[^2] = m;
        shape[^1] = n;
        var result = Storage.Empty(shape, dtype);
        int count = Shapes.Numel(batch);
        if (count == 0 || m == 0 || n == 0) return result;

        if (batch.Length == 0)
        {
            var (xs, tx) = Operand(x, transX);
            var (ys, ty) = Operand(y, transY);
            Multiply(dtype, xs, 0, ys, 0, result, 0, m, n, k, tx, ty);
            return result;
        }

        if (y.Rank == 2 && !transX)
        {
            // One matrix applied to every batch item ([..., m, k]·[k, n], a layer applied along a sequence): one
            // product of the stacked rows, [(...)·m, k]·[k, n], with no copy of the matrix per item. Each element is
            // computed exactly as by the per-item products.
            var (ys, ty) = Operand(y, transY);
            var xc = x.ContiguousData();
            Multiply(dtype, xc, 0, ys, 0, result, 0, count * m, n, k, false, ty);
            return result;
        }

        var xe = x.ExpandData(BatchShape(batch, x)).ContiguousData();
        var ye = y.ExpandData(BatchShape(batch, y)).ContiguousData();
        // The items are spread over the threads, each product on one thread: a product per item is small (attention's
        // [64, 32]·[32, 64] is 131K multiply-adds), and splitting each of them would pay a fork-join per item.
        var items = new BatchItems
        {
            DType = dtype, X = xe, Y = ye, C = result, M = m, N = n, K = k, TransX = transX, TransY = transY,
            XStep = x.ShapeArray[^2] * x.ShapeArray[^1], YStep = y.ShapeArray[^2] * y.ShapeArray[^1],
        };
        Parallelism.For(count, (long)m * n * k, items);
        return result;
    }

    private struct BatchItems : IParallelBody
    {
        public DType DType;
        public Tensor X, Y, C;
        public int M, N, K, XStep, YStep;
        public bool TransX, TransY;

        public readonly void Invoke(int i) =>
            Multiply(DType, X, i * XStep, Y, i * YStep, C, i * M * N, M, N, K, TransX, TransY);
    }

    private static int[] BatchShape(int[] batch, Tensor t)
    {
        var s = new int[batch.Length + 2];
        batch.CopyTo(s, 0);
        s[^2] = t.ShapeArray[^2];
        s[^1] = t.ShapeArray[^1];
        return s;
    }

    /// <summary>
    /// A 2-d operand ready for the GEMM: contiguous as it is, or — when it is itself the transpose view of a
    /// contiguous matrix, as a layer's Wᵀ is — the underlying matrix with the transpose flag flipped.
    /// </summary>
    private static (Tensor Data, bool Transposed) Operand(Tensor t, bool trans)
    {
        if (t.IsContiguous) return (t, trans);
        if (t.StridesArray[0] == 1 && t.StridesArray[1] == t.ShapeArray[0])
            return (t.View(t.Offset, [t.ShapeArray[1], t.ShapeArray[0]], [t.ShapeArray[0], 1]), !trans);
        return (t.ContiguousData(), trans);
    }

    private static void Multiply(DType dtype, Tensor x, int xOffset, Tensor y, int yOffset, Tensor c, int cOffset,
        int m, int n, int k, bool tx, bool ty)
    {
        var product = new ProductAction
        {
            X = x, Y = y, C = c, XStart = x.Offset + xOffset, YStart = y.Offset + yOffset, CStart = cOffset,
            M = m, N = n, K = k, TransX = tx, TransY = ty,
        };
        DTypeDispatch.Run(dtype, ref product);
    }

    private struct ProductAction : IDTypeAction
    {
        public Tensor X, Y, C;
        public int XStart, YStart, CStart, M, N, K;
        public bool TransX, TransY;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
            Gemm.Multiply<T>(X.Array<T>().AsSpan(XStart, M * K), Y.Array<T>().AsSpan(YStart, K * N),
                C.Array<T>().AsSpan(CStart, M * N), M, N, K, TransX, TransY);
    }
}
