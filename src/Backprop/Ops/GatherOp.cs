namespace Backprop.Ops;

/// <summary>
/// PyTorch's gather: out[i][j] = x[i][index[i][j]] along axis 1 (likewise for any axis and rank). The index has the
/// input's rank and no larger size on the other axes. The backward scatter-adds the gradient to the gathered places.
/// </summary>
internal sealed class GatherOp : Node
{
    private int[] _positions = [];
    private int[] _inputShape = [];
    public override string Name => "gather";

    public static Tensor Apply(Tensor x, int axis, Tensor index)
    {
        axis = Shapes.NormalizeAxis("gather", axis, x.Rank);
        if (index.DType != DType.Int32)
            throw new ArgumentException($"gather: the index must be an int32 tensor, got {index.DType.Name()}");
        if (index.Rank != x.Rank)
            throw new ArgumentException($"gather: index of shape {Shapes.Format(index.ShapeArray)} must have the input's rank {x.Rank} (input {Shapes.Format(x.ShapeArray)})");
        for (int d = 0; d < x.Rank; d++)
            if (d != axis && index.ShapeArray[d] > x.ShapeArray[d])
                throw new ArgumentException($"gather: index size {index.ShapeArray[d]} on axis {d} exceeds the input's {x.ShapeArray[d]} (index {Shapes.Format(index.ShapeArray)}, input {Shapes.Format(x.ShapeArray)})");
        var idx = index.ContiguousData().Span<int>();
        var inStrides = Shapes.ContiguousStrides(x.ShapeArray);
        var positions = new int[idx.Length];
        Span<int> counter = stackalloc int[Math.Max(1, index.Rank)];
        for (int flat = 0; flat < idx.Length; flat++)
        {
            int rem = flat, pos = 0;
            for (int d = index.Rank - 1; d >= 0; d--)
            {
                counter[d] = rem % index.ShapeArray[d];
                rem /= index.ShapeArray[d];
            }
            for (int d = 0; d < x.Rank; d++)
            {
                int c = counter[d];
                if (d == axis)
                {
                    c = idx[flat];
                    if (c < 0 || c >= x.ShapeArray[axis])
                        throw new IndexOutOfRangeException($"gather: index {c} at position {flat} is out of range for axis {axis} of size {x.ShapeArray[axis]}");
                }
                pos += c * inStrides[d];
            }
            positions[flat] = pos;
        }
        var c0 = x.ContiguousData();
        var y = Storage.Empty(index.ShapeArray, x.DType);
        switch (x.DType)
        {
            case DType.Float32: Pick(c0.Span<float>(), y.Span<float>(), positions); break;
            case DType.Float64: Pick(c0.Span<double>(), y.Span<double>(), positions); break;
            default: Pick(c0.Span<int>(), y.Span<int>(), positions); break;
        }
        if (!Autograd.ShouldRecord(x)) return y;
        return Record(y, new GatherOp { _positions = positions, _inputShape = x.ShapeArray }, x);
    }

    private static void Pick<T>(ReadOnlySpan<T> x, Span<T> y, int[] positions)
    {
        for (int i = 0; i < positions.Length; i++) y[i] = x[positions[i]];
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var gc = g.ContiguousData();
        var result = Storage.Zeros(_inputShape, g.DType);
        if (g.DType == DType.Float32) AddBack(gc.Span<float>(), result.Span<float>());
        else AddBack(gc.Span<double>(), result.Span<double>());
        dx[0] = result;
    }

    private void AddBack<T>(ReadOnlySpan<T> g, Span<T> result) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int i = 0; i < _positions.Length; i++) result[_positions[i]] += g[i];
    }
}
