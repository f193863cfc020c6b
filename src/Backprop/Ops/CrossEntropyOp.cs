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
        var forward = new LossAction { Input = c, Labels = labels, Output = Storage.Empty(logits.ShapeArray, logits.DType), Smoothing = labelSmoothing, Forward = true };
        DTypeDispatch.Run(logits.DType, ref forward);
        var p = forward.Output;
        var y = forward.Loss!;
        if (!Autograd.ShouldRecord(logits)) return y;
        return Record(y, new CrossEntropyOp { _probabilities = p, _labels = labels, _smoothing = labelSmoothing }, logits);
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var p = Saved(_probabilities);
        var backward = new LossAction { Input = p, Labels = _labels, Output = Storage.Empty(p.ShapeArray, p.DType), Smoothing = _smoothing, Upstream = g.Item() };
        DTypeDispatch.Run(p.DType, ref backward);
        dx[0] = backward.Output;
    }

    /// <summary>The forward (logits to probabilities and the loss) or the backward (probabilities to the logits' gradient).</summary>
    private struct LossAction : IDTypeAction
    {
        public Tensor Input, Output;
        public int[] Labels;
        public double Smoothing, Upstream;
        public Tensor? Loss;
        public bool Forward;

        public void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            int rows = Input.ShapeArray[0], classes = Input.ShapeArray[1];
            if (Forward)
            {
                double loss = SoftmaxCrossEntropyKernel.Forward<T>(Input.Span<T>(), Labels, Output.Span<T>(), rows, classes, Smoothing);
                // An array of its own, as Tensor.Scalar makes, never a pooled buffer: the loss may outlive the step's scope.
                Loss = new Tensor(new[] { T.CreateTruncating(loss) }, Shapes.Scalar, Input.DType);
            }
            else SoftmaxCrossEntropyKernel.Backward<T>(Input.Span<T>(), Labels, Output.Span<T>(), rows, classes, Upstream, Smoothing);
        }
    }

    protected override void ReleaseSaved() => _probabilities = null;
}
