namespace Backprop.Ops;

/// <summary>
/// A variance as one node, recorded inside a trace (<see cref="Tracing"/>) only, over the output computed from its
/// primitive operators (mean, centre, square, sum, times 1/(N − correction)): an exporter reads N from the input's
/// shape at run time, so a variance over the batch follows it, where the primitives' constant would fix the batch
/// size the trace had. Outside a trace nothing is recorded and the primitives carry the gradient.
/// </summary>
internal sealed class VarOp : Node
{
    private int[] _axes = [];
    private int _correction;
    private bool _keepDim;

    public override string Name => "var";

    /// <summary>The (normalised) axes reduced, empty for all; the correction; whether the axes are kept (read by the ONNX exporter).</summary>
    internal int[] Axes => _axes;

    internal int Correction => _correction;

    internal bool KeepDim => _keepDim;

    public static Tensor Trace(Tensor y, Tensor x, int[] axes, int correction, bool keepDim) =>
        Tracing.IsOn
            ? Record(y, new VarOp { _axes = axes.Length == 0 ? [] : Shapes.NormalizeAxes("var", axes, x.Rank), _correction = correction, _keepDim = keepDim }, x)
            : y;

    internal override void Backward(Tensor g, Span<Tensor?> dx) =>
        throw new InvalidOperationException("var: this node is recorded for export traces only and has no backward; run backward outside the trace");
}
