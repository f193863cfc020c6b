namespace Backprop.Ops;

/// <summary>
/// The gradient of a slice as an operator of its own, recorded when a backward pass creates the graph: the upstream
/// gradient placed at the sliced positions of a zero tensor. Linear, and its gradient is the same slice again.
/// </summary>
internal sealed class SliceBackwardOp : Node
{
    private int _axis, _start, _end, _step;
    public override string Name => "slice_backward";

    public static Tensor Apply(Tensor g, int[] inputShape, int axis, int start, int step)
    {
        var y = SliceOp.Place(g, inputShape, axis, start, step);
        if (!Autograd.ShouldRecord(g)) return y;
        int count = g.ShapeArray[axis];
        int end = count == 0 ? start : start + (count - 1) * step + 1;
        return Record(y, new SliceBackwardOp { _axis = axis, _start = start, _end = end, _step = step }, g);
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        using (Autograd.NoGrad()) dx[0] = SliceOp.Apply(g, _axis, _start, _end, _step);
    }

    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => dx[0] = SliceOp.Apply(g, _axis, _start, _end, _step);
}
