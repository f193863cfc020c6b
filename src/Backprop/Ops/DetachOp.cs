namespace Backprop.Ops;

/// <summary>
/// A detach recorded inside a trace (<see cref="Tracing"/>) only: the exporter must see that the detached tensor is
/// the same value as its source (a variance's detached mean, say), not a constant. Outside a trace a detach records
/// nothing. No gradient passes through it.
/// </summary>
internal sealed class DetachOp : Node
{
    public override string Name => "detach";

    public static Tensor Apply(Tensor x, Tensor detached) => Tracing.IsOn ? Record(detached, new DetachOp(), x) : detached;

    internal override void Backward(Tensor g, Span<Tensor?> dx) { }

    // Nothing passes at any order: the detached value is a constant of the graph.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) { }
}
