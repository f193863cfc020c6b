namespace Backprop.Ops;

/// <summary>
/// Batch norm in evaluation mode as one node, recorded inside a trace (<see cref="Tracing"/>) only, over the output
/// the layer computed from its primitive operators: an exporter writes it as one BatchNormalization rather than the
/// chain of Sub, Add, Sqrt, Div, Mul. Outside a trace nothing is recorded and the primitives carry the gradient.
/// Inputs: x, running mean, running variance, then weight and bias when the layer is affine.
/// </summary>
internal sealed class BatchNormEvalOp : Node
{
    private double _eps;

    public override string Name => "batch_norm";

    /// <summary>The ε added to the running variance (read by the ONNX exporter).</summary>
    internal double Eps => _eps;

    /// <summary>Whether weight and bias follow the running statistics.</summary>
    internal bool Affine => InputArray.Length == 5;

    public static Tensor Trace(Tensor y, Tensor x, Tensor mean, Tensor variance, Tensor? weight, Tensor? bias, double eps)
    {
        if (!Tracing.IsOn) return y;
        Tensor[] inputs = weight is not null && bias is not null ? [x, mean, variance, weight, bias] : [x, mean, variance];
        return Record(y, new BatchNormEvalOp { _eps = eps }, inputs);
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) =>
        throw new InvalidOperationException("batch_norm: this node is recorded for export traces only and has no backward; run backward outside the trace");
}
