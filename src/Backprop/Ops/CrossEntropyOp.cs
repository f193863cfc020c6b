using System.Buffers;
using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// Softmax with cross-entropy loss, fused, over logits [..., C] (classes on the last axis) and int32 targets [...]:
/// per row −w[y]·log softmax(x)[y] with optional class weights w, label smoothing and an ignored label, reduced by
/// mean (divided by the summed weight of the counted targets, as PyTorch), sum or not at all. The softmax is saved from
/// the forward, and the backward is the textbook (p − t)·u per row.
/// </summary>
internal sealed class CrossEntropyOp : Node
{
    private Tensor? _probabilities, _labels, _weight;
    private double _smoothing, _denominator;
    private int? _ignoreIndex;
    private Reduction _reduction;
    private Tensor? _labelSource, _weightSource;
    public override string Name => "cross_entropy";

    /// <summary>
    /// The labels and class weights as passed (not inputs of the node: they have no gradient); the ONNX exporter follows
    /// them back to where they came from. The weights are null when there are none.
    /// </summary>
    internal Tensor? LabelSource => _labelSource;

    internal Tensor? WeightSource => _weightSource;

    /// <summary>The ignored label, the smoothing ε and the reduction (read by the ONNX exporter).</summary>
    internal int? IgnoreIndex => _ignoreIndex;

    internal double Smoothing => _smoothing;

    internal Reduction Reduction => _reduction;

    public static Tensor Apply(Tensor logits, Tensor labels, Tensor? weight, int? ignoreIndex, double labelSmoothing, Reduction reduction)
    {
        const string op = "cross_entropy";
        Elementwise.RequireFloat(op, logits);
        if (labels.DType != DType.Int32)
            throw new ArgumentException($"{op}: expected int32 class labels, got {labels.DType.Name()} of shape {Shapes.Format(labels.ShapeArray)}");
        if (logits.Rank == 0 || labels.Rank != logits.Rank - 1 || !Shapes.Equal(labels.ShapeArray, logits.ShapeArray.AsSpan(0, labels.Rank)))
            throw new ArgumentException(
                $"{op}: expected logits [..., classes] and labels of the leading shape, such as [batch, classes] with [batch] or [B, T, V] with [B, T]; got logits {Shapes.Format(logits.ShapeArray)} and labels {Shapes.Format(labels.ShapeArray)}");
        int classes = logits.ShapeArray[^1], rows = labels.Numel;
        if (classes == 0) throw new ArgumentException($"{op}: logits {Shapes.Format(logits.ShapeArray)} have no classes");
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentException($"{op}: label smoothing must be in [0, 1], got {labelSmoothing}");
        if (!Enum.IsDefined(reduction)) throw new ArgumentOutOfRangeException(nameof(reduction), reduction, $"{op}: unknown reduction");
        var weightSource = weight;
        if (weight is not null)
        {
            if (weight.Rank != 1 || weight.ShapeArray[0] != classes || !weight.DType.IsFloatingPoint())
                throw new ArgumentException($"{op}: class weights must be a float vector [{classes}] (one per class), got {weight.DType.Name()} {Shapes.Format(weight.ShapeArray)}");
            weight = weight.CastData(logits.DType).ContiguousData();
        }
        var labelData = labels.ContiguousData();
        var values = labelData.Span<int>();
        for (int i = 0; i < values.Length; i++)
            if ((uint)values[i] >= (uint)classes && values[i] != ignoreIndex)
                throw new ArgumentException(
                    $"{op}: label {values[i]} {Position(i, labels.ShapeArray)} is out of range for {classes} classes (expected 0..{classes - 1}{(ignoreIndex is { } ig ? $" or the ignore index {ig}" : "")})");

        var forward = new ForwardAction
        {
            Logits = logits.ContiguousData(), Labels = labelData, Weight = weight, Probabilities = Storage.Empty(logits.ShapeArray, logits.DType),
            IgnoreIndex = ignoreIndex, Smoothing = labelSmoothing, Reduction = reduction,
        };
        DTypeDispatch.Run(logits.DType, ref forward);
        var y = forward.Loss!;
        if (!Autograd.ShouldRecord(logits)) return y;
        return Record(y, new CrossEntropyOp
        {
            _probabilities = forward.Probabilities, _labels = labelData, _weight = weight, _smoothing = labelSmoothing,
            _ignoreIndex = ignoreIndex, _reduction = reduction, _denominator = forward.Denominator,
            _labelSource = labels, _weightSource = weightSource,
        }, logits);
    }

    // "in row 7" for [N] labels, "at [3, 17]" for [B, T].
    private static string Position(int flat, int[] shape)
    {
        if (shape.Length <= 1) return $"in row {flat}";
        var index = new int[shape.Length];
        for (int a = shape.Length - 1; a >= 0; a--)
        {
            index[a] = flat % shape[a];
            flat /= shape[a];
        }
        return $"at [{string.Join(", ", index)}]";
    }

    private struct ForwardAction : IDTypeAction
    {
        public Tensor Logits, Labels, Probabilities;
        public Tensor? Weight, Loss;
        public int? IgnoreIndex;
        public double Smoothing, Denominator;
        public Reduction Reduction;

        public void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            int classes = Logits.ShapeArray[^1], rows = Labels.Numel;
            ReadOnlySpan<T> weight = Weight is null ? default : Weight.Span<T>();
            double[] rowLoss = ArrayPool<double>.Shared.Rent(rows);
            try
            {
                var losses = rowLoss.AsSpan(0, rows);
                SoftmaxCrossEntropyKernel.LossRows<T>(Logits.Span<T>(), Labels.Span<int>(), weight, Probabilities.Span<T>(), losses, rows, classes,
                    Smoothing, IgnoreIndex);
                if (Reduction == Reduction.None)
                {
                    Loss = Storage.Empty(Labels.ShapeArray, Logits.DType);
                    var into = Loss.Span<T>();
                    for (int i = 0; i < rows; i++) into[i] = T.CreateTruncating(losses[i]);
                    return;
                }
                // Summed in row order, in double, whatever the thread count.
                double total = 0;
                for (int i = 0; i < rows; i++) total += losses[i];
                if (Reduction == Reduction.Mean)
                {
                    Denominator = CountedWeight(Labels.Span<int>(), weight, IgnoreIndex);
                    total /= Denominator;
                }
                // An array of its own, as Tensor.Scalar makes, never a pooled buffer: the loss may outlive the step's scope.
                Loss = new Tensor(new[] { T.CreateTruncating(total) }, Shapes.Scalar, Logits.DType);
            }
            finally
            {
                ArrayPool<double>.Shared.Return(rowLoss);
            }
        }
    }

    // The mean's denominator: the number of counted targets, or with class weights the sum of their weights.
    private static double CountedWeight<T>(ReadOnlySpan<int> labels, ReadOnlySpan<T> weight, int? ignoreIndex)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        double sum = 0;
        foreach (int label in labels)
            if (label != ignoreIndex) sum += weight.IsEmpty ? 1 : double.CreateTruncating(weight[label]);
        return sum;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var p = Saved(_probabilities);
        var labels = Saved(_labels);
        var weight = _weight is null ? null : Saved(_weight);
        var backward = new BackwardAction
        {
            Probabilities = p, Labels = labels, Weight = weight, Output = Storage.Empty(p.ShapeArray, p.DType), Smoothing = _smoothing,
            IgnoreIndex = _ignoreIndex,
            RowUpstream = _reduction == Reduction.None ? g.CastData(p.DType).ContiguousData() : null,
            Upstream = _reduction switch { Reduction.Mean => g.Item() / _denominator, Reduction.Sum => g.Item(), _ => 0 },
        };
        DTypeDispatch.Run(p.DType, ref backward);
        dx[0] = backward.Output;
    }

    // Per row the gradient is affine in the probabilities, u·(p ⊙ a − b), a and b set by the label, the class weights
    // and the smoothing. The fused kernel itself gives the constant parts (its result at p = 1 and at p = 0), so the
    // recorded rule is (softmax(x)·slope + offset)·g: the same values, differentiable in the logits and in g.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        var offset = KernelGradient(0);
        Tensor slope;
        using (Autograd.NoGrad()) slope = KernelGradient(1) - offset;
        var p = SoftmaxOp.Apply(Input(0), log: false);
        var upstream = _reduction == Reduction.None ? g.Reshape([.. g.ShapeArray, 1]) : g;
        dx[0] = (p * slope + offset) * upstream;
    }

    /// <summary>The fused backward at probabilities all equal to <paramref name="probability"/>, for an upstream gradient of 1.</summary>
    private Tensor KernelGradient(double probability)
    {
        var shape = Saved(_probabilities).ShapeArray;
        var dtype = _probabilities!.DType;
        var labels = Saved(_labels);
        var backward = new BackwardAction
        {
            Probabilities = Tensor.Full(shape, probability, dtype), Labels = labels, Weight = _weight is null ? null : Saved(_weight),
            Output = Storage.Empty(shape, dtype), Smoothing = _smoothing, IgnoreIndex = _ignoreIndex,
            RowUpstream = _reduction == Reduction.None ? Tensor.Ones(labels.ShapeArray, dtype) : null,
            Upstream = _reduction switch { Reduction.Mean => 1 / _denominator, Reduction.Sum => 1, _ => 0 },
        };
        DTypeDispatch.Run(dtype, ref backward);
        return backward.Output;
    }

    private struct BackwardAction : IDTypeAction
    {
        public Tensor Probabilities, Labels, Output;
        public Tensor? Weight, RowUpstream;
        public int? IgnoreIndex;
        public double Smoothing, Upstream;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
            SoftmaxCrossEntropyKernel.LossRowsBackward<T>(Probabilities.Span<T>(), Labels.Span<int>(), Weight is null ? default : Weight.Span<T>(),
                RowUpstream is null ? default : RowUpstream.Span<T>(), Upstream, Output.Span<T>(), Labels.Numel, Probabilities.ShapeArray[^1],
                Smoothing, IgnoreIndex);
    }

    protected override void ReleaseSaved() => _probabilities = _labels = _weight = _labelSource = _weightSource = null;
}
