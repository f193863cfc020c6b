namespace Backprop.Ops;

/// <summary>
/// The gradient of a cumulative sum as an operator of its own, recorded when a backward pass creates the graph: the
/// cumulative sum from the end of the axis. Linear, and its gradient is the forward cumulative sum again.
/// </summary>
internal sealed class CumsumBackwardOp : Node
{
    private int _axis;
    public override string Name => "cumsum_backward";

    public static Tensor Apply(Tensor g, int axis)
    {
        var y = CumsumOp.Scan(g, axis, reverse: true);
        return Autograd.ShouldRecord(g) ? Record(y, new CumsumBackwardOp { _axis = axis }, g) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = CumsumOp.Scan(g, _axis, reverse: false);

    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => dx[0] = CumsumOp.Apply(g, _axis);
}
