namespace Backprop.Ops;

/// <summary>
/// Picks whole slices along one axis by integer index (repeats allowed). The backward adds each slice's gradient
/// back at the index it came from, so repeated indices accumulate.
/// </summary>
internal sealed class IndexSelectOp : Node
{
    private int[] _indices = [];
    private int[] _inputShape = [];
    private int _axis;
    public override string Name => "index_select";

    public static Tensor Apply(Tensor x, int axis, int[] indices)
    {
        axis = Shapes.NormalizeAxis("index_select", axis, x.Rank);
        int size = x.Rank == 0 ? 1 : x.ShapeArray[axis];
        for (int i = 0; i < indices.Length; i++)
            if (indices[i] < 0 || indices[i] >= size)
                throw new IndexOutOfRangeException($"index_select: index {indices[i]} (position {i}) is out of range for axis {axis} of size {size} (shape {Shapes.Format(x.ShapeArray)})");
        var shape = (int[])x.ShapeArray.Clone();
        if (shape.Length > 0) shape[axis] = indices.Length;
        var c = x.ContiguousData();
        var y = Storage.Empty(shape, x.DType);
        var (outer, length, inner) = x.Rank == 0 ? (1, 1, 1) : SumOp.Split(x.ShapeArray, axis);
        switch (x.DType)
        {
            case DType.Float32: Copy(c.Span<float>(), y.Span<float>(), indices, outer, length, inner); break;
            case DType.Float64: Copy(c.Span<double>(), y.Span<double>(), indices, outer, length, inner); break;
            default: Copy(c.Span<int>(), y.Span<int>(), indices, outer, length, inner); break;
        }
        if (!Autograd.ShouldRecord(x)) return y;
        return Record(y, new IndexSelectOp { _indices = (int[])indices.Clone(), _inputShape = x.ShapeArray, _axis = axis }, x);
    }

    private static void Copy<T>(ReadOnlySpan<T> x, Span<T> y, int[] indices, int outer, int length, int inner)
    {
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < indices.Length; j++)
                x.Slice((o * length + indices[j]) * inner, inner).CopyTo(y.Slice((o * indices.Length + j) * inner, inner));
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var gc = g.ContiguousData();
        var result = Storage.Zeros(_inputShape, g.DType);
        var (outer, length, inner) = _inputShape.Length == 0 ? (1, 1, 1) : SumOp.Split(_inputShape, _axis);
        if (g.DType == DType.Float32) AddBack(gc.Span<float>(), result.Span<float>(), outer, length, inner);
        else AddBack(gc.Span<double>(), result.Span<double>(), outer, length, inner);
        dx[0] = result;
    }

    private void AddBack<T>(ReadOnlySpan<T> g, Span<T> result, int outer, int length, int inner)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < _indices.Length; j++)
            {
                var dst = result.Slice((o * length + _indices[j]) * inner, inner);
                System.Numerics.Tensors.TensorPrimitives.Add(dst, g.Slice((o * _indices.Length + j) * inner, inner), dst);
            }
    }
}
