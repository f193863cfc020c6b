namespace Backprop.Ops;

/// <summary>
/// A mean as one node, recorded inside a trace (<see cref="Tracing"/>) only, over the output computed from its
/// primitive operators (a sum, then a multiplication by 1/N): an exporter writes it as one ReduceMean, which follows
/// the batch, where the primitives' 1/N would fix the batch size the trace had. Outside a trace nothing is recorded
/// and the primitives carry the gradient.
/// </summary>
internal sealed class MeanOp : Node
{
    private int[] _axes = [];
    private bool _keepDim;

    public override string Name => "mean";

    /// <summary>The (normalised) axes averaged over, empty for all; and whether they are kept as size 1 (read by the ONNX exporter).</summary>
    internal int[] Axes => _axes;

    internal bool KeepDim => _keepDim;

    public static Tensor Trace(Tensor y, Tensor x, int[] axes, bool keepDim) =>
        Tracing.IsOn ? Record(y, new MeanOp { _axes = axes.Length == 0 ? [] : Shapes.NormalizeAxes("mean", axes, x.Rank), _keepDim = keepDim }, x) : y;

    internal override void Backward(Tensor g, Span<Tensor?> dx) =>
        throw new InvalidOperationException("mean: this node is recorded for export traces only and has no backward; run backward outside the trace");
}
