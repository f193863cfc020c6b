namespace Backprop.Ops;

/// <summary>A contiguous copy (Contiguous, Clone); the gradient passes through unchanged.</summary>
internal sealed class CopyOp : Node
{
    public override string Name => "copy";

    public static Tensor Apply(Tensor x)
    {
        var y = x.CopyData();
        return Autograd.ShouldRecord(x) ? Record(y, new CopyOp(), x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = g;

    // The rule above is already written with recorded operators (on the gradient and constants only).
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => Backward(g, dx);
}
