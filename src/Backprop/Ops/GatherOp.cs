namespace Backprop.Ops;

/// <summary>
/// PyTorch's gather: out[i][j] = x[i][index[i][j]] along axis 1 (likewise for any axis and rank). The index has the
/// input's rank and no larger size on the other axes. The backward scatter-adds the gradient to the gathered places.
/// </summary>
internal sealed class GatherOp : Node
{
    private int[] _positions = [];
    private int[] _inputShape = [];
    private int _axis;
    private Tensor? _indexSource;
    public override string Name => "gather";

    /// <summary>The (normalised) axis gathered along (read by the ONNX exporter).</summary>
    internal int Axis => _axis;

    /// <summary>
    /// The index as passed (not an input of the node: it has no gradient); the ONNX exporter follows it back to where
    /// it came from, since the flat positions it resolved to hold only this batch's.
    /// </summary>
    internal Tensor? IndexSource => _indexSource;

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
                        throw new ArgumentOutOfRangeException($"gather: index {c} at position {flat} is out of range for axis {axis} of size {x.ShapeArray[axis]}, expected 0 to {x.ShapeArray[axis] - 1}", (Exception?)null);
                }
                pos += c * inStrides[d];
            }
            positions[flat] = pos;
        }
        var c0 = x.ContiguousData();
        var pick = new PickAction { X = c0, Y = Storage.Empty(index.ShapeArray, x.DType), Positions = positions };
        DTypeDispatch.RunAny(x.DType, ref pick);
        var y = pick.Y;
        if (!Autograd.ShouldRecord(x)) return y;
        return Record(y, new GatherOp { _positions = positions, _inputShape = x.ShapeArray, _axis = axis, _indexSource = index }, x);
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var addBack = new AddBackAction { G = g.ContiguousData(), Result = Storage.Zeros(_inputShape, g.DType), Positions = _positions };
        DTypeDispatch.Run(g.DType, ref addBack);
        dx[0] = addBack.Result;
    }

    // The scatter-add as a recorded operator, whose own gradient is this gather again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) =>
        dx[0] = IndexedAddOp.Apply(g, null, _positions, _inputShape, "gather_backward", Name);

    protected override void ReleaseSaved() => _indexSource = null;

    private struct PickAction : IAnyDTypeAction
    {
        public Tensor X, Y;
        public int[] Positions;

        public readonly void Invoke<T>() where T : unmanaged
        {
            ReadOnlySpan<T> x = X.Span<T>();
            var y = Y.Span<T>();
            for (int i = 0; i < Positions.Length; i++) y[i] = x[Positions[i]];
        }
    }

    // Repeated positions accumulate.
    private struct AddBackAction : IDTypeAction
    {
        public Tensor G, Result;
        public int[] Positions;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            ReadOnlySpan<T> g = G.Span<T>();
            var result = Result.Span<T>();
            for (int i = 0; i < Positions.Length; i++) result[Positions[i]] += g[i];
        }
    }
}
