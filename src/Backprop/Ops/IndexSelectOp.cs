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

    /// <summary>The axis and the selected positions (read by the ONNX exporter).</summary>
    internal int Axis => _axis;

    internal int[] Indices => _indices;

    public static Tensor Apply(Tensor x, int axis, int[] indices)
    {
        axis = Shapes.NormalizeAxis("index_select", axis, x.Rank);
        int size = x.Rank == 0 ? 1 : x.ShapeArray[axis];
        for (int i = 0; i < indices.Length; i++)
            if (indices[i] < 0 || indices[i] >= size)
                throw new ArgumentOutOfRangeException($"index_select: index {indices[i]} (position {i}) is out of range for axis {axis} of size {size} (shape {Shapes.Format(x.ShapeArray)}), expected 0 to {size - 1}", (Exception?)null);
        var shape = (int[])x.ShapeArray.Clone();
        if (shape.Length > 0) shape[axis] = indices.Length;
        var c = x.ContiguousData();
        var (outer, length, inner) = x.Rank == 0 ? (1, 1, 1) : SumOp.Split(x.ShapeArray, axis);
        var copy = new CopyAction { X = c, Y = Storage.Empty(shape, x.DType), Indices = indices, Outer = outer, Length = length, Inner = inner };
        DTypeDispatch.RunAny(x.DType, ref copy);
        var y = copy.Y;
        if (!Autograd.ShouldRecord(x)) return y;
        return Record(y, new IndexSelectOp { _indices = (int[])indices.Clone(), _inputShape = x.ShapeArray, _axis = axis }, x);
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var (outer, length, inner) = _inputShape.Length == 0 ? (1, 1, 1) : SumOp.Split(_inputShape, _axis);
        var addBack = new AddBackAction { G = g.ContiguousData(), Result = Storage.Zeros(_inputShape, g.DType), Indices = _indices, Outer = outer, Length = length, Inner = inner };
        DTypeDispatch.Run(g.DType, ref addBack);
        dx[0] = addBack.Result;
    }

    // The add-back as a recorded indexed add (each output element to the input position it was copied from), whose
    // own gradient is this selection again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        var (outer, length, inner) = _inputShape.Length == 0 ? (1, 1, 1) : SumOp.Split(_inputShape, _axis);
        var to = new int[outer * _indices.Length * inner];
        int at = 0;
        for (int o = 0; o < outer; o++)
            foreach (int index in _indices)
                for (int c = 0; c < inner; c++) to[at++] = (o * length + index) * inner + c;
        dx[0] = IndexedAddOp.Apply(g, null, to, _inputShape, "index_select_backward", Name);
    }

    private struct CopyAction : IAnyDTypeAction
    {
        public Tensor X, Y;
        public int[] Indices;
        public int Outer, Length, Inner;

        public readonly void Invoke<T>() where T : unmanaged
        {
            ReadOnlySpan<T> x = X.Span<T>();
            var y = Y.Span<T>();
            for (int o = 0; o < Outer; o++)
                for (int j = 0; j < Indices.Length; j++)
                    x.Slice((o * Length + Indices[j]) * Inner, Inner).CopyTo(y.Slice((o * Indices.Length + j) * Inner, Inner));
        }
    }

    // Repeated indices accumulate.
    private struct AddBackAction : IDTypeAction
    {
        public Tensor G, Result;
        public int[] Indices;
        public int Outer, Length, Inner;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            ReadOnlySpan<T> g = G.Span<T>();
            var result = Result.Span<T>();
            for (int o = 0; o < Outer; o++)
                for (int j = 0; j < Indices.Length; j++)
                {
                    var dst = result.Slice((o * Length + Indices[j]) * Inner, Inner);
                    System.Numerics.Tensors.TensorPrimitives.Add(dst, g.Slice((o * Indices.Length + j) * Inner, Inner), dst);
                }
        }
    }
}
