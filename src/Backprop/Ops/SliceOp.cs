using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// Elements start, start+step, ... below end along one axis (a view). The gradient is the upstream gradient placed
/// at those positions of a zero tensor of the input's shape.
/// </summary>
internal sealed class SliceOp : Node
{
    private int[] _inputShape = [];
    private int _axis, _start, _step;
    public override string Name => "slice";

    /// <summary>The sliced axis, first index and step (read by the ONNX exporter; the length is the output's).</summary>
    internal int Axis => _axis;

    internal int Start => _start;

    internal int Step => _step;

    public static Tensor Apply(Tensor x, int axis, int start, int end, int step)
    {
        axis = Shapes.NormalizeAxis("slice", axis, x.Rank);
        if (x.Rank == 0) throw new ArgumentException("slice: a 0-d tensor has no axis to slice");
        if (step <= 0) throw new ArgumentException($"slice: step must be positive, got {step}");
        int size = x.ShapeArray[axis];
        if (start < 0) start += size;
        if (end < 0) end += size;
        if (start < 0 || start > size || end < start || end > size)
            throw new ArgumentOutOfRangeException(nameof(start),
                $"slice: range [{start}, {end}) is out of bounds for axis {axis} of size {size} (shape {Shapes.Format(x.ShapeArray)})");
        int count = (end - start + step - 1) / step;
        var shape = (int[])x.ShapeArray.Clone();
        shape[axis] = count;
        var strides = (int[])x.StridesArray.Clone();
        strides[axis] *= step;
        if (x.Batched is not null) return BatchingRules.Slice(x, axis, start, end, step);
        var y = x.View(x.Offset + start * x.StridesArray[axis], shape, strides);
        if (!Autograd.ShouldRecord(x)) return y;
        return Record(y, new SliceOp { _inputShape = x.ShapeArray, _axis = axis, _start = start, _step = step }, x);
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Place(g, _inputShape, _axis, _start, _step);

    /// <summary>A zero tensor of <paramref name="shape"/> with <paramref name="g"/> written at the sliced positions.</summary>
    internal static Tensor Place(Tensor g, int[] shape, int axis, int start, int step)
    {
        var result = Storage.Zeros(shape, g.DType);
        var strides = (int[])result.StridesArray.Clone();
        int offset = start * strides[axis];
        strides[axis] *= step;
        var scatter = new ScatterAction { Source = g.ContiguousData(), Destination = result, Offset = offset, Shape = g.ShapeArray, Strides = strides };
        DTypeDispatch.RunAny(g.DType, ref scatter);
        return result;
    }

    // The placement into zeros is an operator of its own, whose gradient is this slice again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => dx[0] = SliceBackwardOp.Apply(g, _inputShape, _axis, _start, _step);

    /// <summary>A contiguous source written into a strided region of a destination tensor.</summary>
    internal struct ScatterAction : IAnyDTypeAction
    {
        public Tensor Source, Destination;
        public int Offset;
        public int[] Shape, Strides;
        public readonly void Invoke<T>() where T : unmanaged =>
            StridedLayout.Scatter<T>(Source.Span<T>(), Destination.Array<T>(), Offset, Shape, Strides);
    }
}
