namespace Backprop.NN;

/// <summary>
/// Loss functions; each returns a 0-d tensor (the mean over the batch by default), or with <see cref="Reduction.None"/>
/// the unreduced terms.
/// </summary>
public static class Losses
{
    /// <summary>
    /// Softmax cross-entropy of logits [N, classes] against integer labels, with optional label smoothing ε (the target
    /// is (1 − ε)·one_hot + ε/classes, as PyTorch). Uses the fused operator: backward is (softmax − target)/N. The
    /// other options are those of <see cref="Tensor.CrossEntropy(int[], double, Reduction, int, Tensor?)"/>.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, int[] labels, double labelSmoothing = 0, Reduction reduction = Reduction.Mean,
        int ignoreIndex = -100, Tensor? weight = null) => logits.CrossEntropy(labels, labelSmoothing, reduction, ignoreIndex, weight);

    /// <summary>
    /// Softmax cross-entropy of logits with the classes on the LAST axis — [N, C] with int32 labels [N], or [B, T, V]
    /// with labels [B, T] — with label smoothing, a reduction, an ignored label and class weights as PyTorch's
    /// <c>cross_entropy</c> (see <see cref="Tensor.CrossEntropy(Tensor, double, Reduction, int, Tensor?)"/>).
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor labels, double labelSmoothing = 0, Reduction reduction = Reduction.Mean,
        int ignoreIndex = -100, Tensor? weight = null) => logits.CrossEntropy(labels, labelSmoothing, reduction, ignoreIndex, weight);

    /// <summary>Mean squared error, mean((prediction − target)²), or its sum or terms by <paramref name="reduction"/>.</summary>
    public static Tensor Mse(Tensor prediction, Tensor target, Reduction reduction = Reduction.Mean) => prediction.MseLoss(target, reduction);

    /// <summary>Mean absolute error, mean(|prediction − target|) (PyTorch's <c>l1_loss</c>), or its sum or terms by <paramref name="reduction"/>.</summary>
    public static Tensor L1(Tensor prediction, Tensor target, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(target);
        return Tensor.Reduce((prediction - target).Abs(), reduction);
    }

    /// <summary>
    /// Binary cross-entropy on logits x against targets t in [0, 1], mean of max(x, 0) − x·t + log(1 + e^−|x|): the
    /// stable rearrangement of −t·log σ(x) − (1 − t)·log(1 − σ(x)), which never exponentiates a large positive number.
    /// <paramref name="reduction"/> gives the sum or the element-wise terms instead of the mean.
    /// </summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor logits, Tensor targets, Reduction reduction = Reduction.Mean)
    {
        if (!Shapes.Equal(logits.ShapeArray, targets.ShapeArray))
            throw new ArgumentException(
                $"binary_cross_entropy_with_logits: logits {Shapes.Format(logits.ShapeArray)} and targets {Shapes.Format(targets.ShapeArray)} must have the same shape");
        var loss = logits.Maximum(0) - logits * targets + (1.0 + (-logits.Abs()).Exp()).Log();
        return Tensor.Reduce(loss, reduction);
    }
}
