using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// Softmax with cross-entropy loss, fused: mean over the batch of −log softmax(logits)[label], optionally with label
/// smoothing. The softmax is saved from the forward, and the backward is the textbook (y − t)/N.
/// </summary>
internal sealed class CrossEntropyOp : Node
{
    private Tensor? _probabilities;
    private int[] _labels = [];
    private double _smoothing;
    public override string Name => "cross_entropy";

    public static Tensor Apply(Tensor logits, int[] labels, double labelSmoothing)
    {
        Elementwise.RequireFloat("cross_entropy", logits);
        if (logits.Rank != 2)
            throw new ArgumentException($"cross_entropy: expected logits of shape [batch, classes], got {Shapes.Format(logits.ShapeArray)}");
        int rows = logits.ShapeArray[0], classes = logits.ShapeArray[1];
        if (labels.Length != rows)
            throw new ArgumentException($"cross_entropy: {labels.Length} labels for a batch of {rows} rows (logits {Shapes.Format(logits.ShapeArray)})");
        if (labelSmoothing < 0 || labelSmoothing > 1)
            throw new ArgumentException($"cross_entropy: label smoothing must be in [0, 1], got {labelSmoothing}");
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentException($"cross_entropy: label {labels[i]} in row {i} is out of range for {classes} classes (expected 0..{classes - 1})");
        var c = logits.ContiguousData();
        var p = Storage.Empty(logits.ShapeArray, logits.DType);
        double loss = logits.DType == DType.Float32
            ? SoftmaxCrossEntropyKernel.Forward(c.Span<float>(), labels, p.Span<float>(), rows, classes, labelSmoothing)
            : SoftmaxCrossEntropyKernel.Forward(c.Span<double>(), labels, p.Span<double>(), rows, classes, labelSmoothing);
        var y = logits.DType == DType.Float32 ? Tensor.Scalar((float)loss) : Tensor.Scalar(loss);
        if (!Autograd.ShouldRecord(logits)) return y;
        return Record(y, new CrossEntropyOp { _probabilities = p, _labels = labels, _smoothing = labelSmoothing }, logits);
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var p = Saved(_probabilities);
        int rows = p.ShapeArray[0], classes = p.ShapeArray[1];
        double upstream = g.Item();
        var result = Storage.Empty(p.ShapeArray, p.DType);
        if (p.DType == DType.Float32)
            SoftmaxCrossEntropyKernel.Backward<float>(p.Span<float>(), _labels, result.Span<float>(), rows, classes, upstream, _smoothing);
        else
            SoftmaxCrossEntropyKernel.Backward<double>(p.Span<double>(), _labels, result.Span<double>(), rows, classes, upstream, _smoothing);
        dx[0] = result;
    }

    protected override void ReleaseSaved() => _probabilities = null;
}
