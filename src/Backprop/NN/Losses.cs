namespace Backprop.NN;

/// <summary>Loss functions; each returns a 0-d tensor, the mean over the batch.</summary>
public static class Losses
{
    /// <summary>
    /// Softmax cross-entropy of logits [N, classes] against integer labels, with optional label smoothing ε (the target
    /// is (1 − ε)·one_hot + ε/classes, as PyTorch). Uses the fused operator: backward is (softmax − target)/N.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, int[] labels, double labelSmoothing = 0) => logits.CrossEntropy(labels, labelSmoothing);

    /// <summary>Mean squared error, mean((prediction − target)²).</summary>
    public static Tensor Mse(Tensor prediction, Tensor target) => prediction.MseLoss(target);

    /// <summary>
    /// Binary cross-entropy on logits x against targets t in [0, 1], mean of max(x, 0) − x·t + log(1 + e^−|x|): the
    /// stable rearrangement of −t·log σ(x) − (1 − t)·log(1 − σ(x)), which never exponentiates a large positive number.
    /// </summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor logits, Tensor targets)
    {
        if (!Shapes.Equal(logits.ShapeArray, targets.ShapeArray))
            throw new ArgumentException(
                $"binary_cross_entropy_with_logits: logits {Shapes.Format(logits.ShapeArray)} and targets {Shapes.Format(targets.ShapeArray)} must have the same shape");
        var loss = logits.Maximum(0) - logits * targets + (1.0 + (-logits.Abs()).Exp()).Log();
        return loss.Mean();
    }
}
