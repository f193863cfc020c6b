namespace Backprop.Ops;

/// <summary>
/// The indices output of <see cref="TopKOp"/> (topk, sort, argsort) as a node of its own, recorded inside a trace
/// (<see cref="Tracing"/>) only: the indices have no gradient, but the exporter must see them computed from the input
/// (a gather by them, say), not as a constant of the traced batch.
/// </summary>
internal sealed class TopKIndicesOp : Node
{
    private string _name = "topk";
    public override string Name => _name + "_indices";

    /// <summary>The selection's axis, and whether the largest come first and in order (read by the ONNX exporter; k is the output's size).</summary>
    internal int Axis { get; private init; }

    internal bool Largest { get; private init; }

    internal bool Sorted { get; private init; }

    public static Tensor Trace(Tensor indices, Tensor x, int axis, bool largest, bool sorted, string name) =>
        Tracing.IsOn ? Record(indices, new TopKIndicesOp { _name = name, Axis = axis, Largest = largest, Sorted = sorted }, x) : indices;

    internal override void Backward(Tensor g, Span<Tensor?> dx) { }
}
