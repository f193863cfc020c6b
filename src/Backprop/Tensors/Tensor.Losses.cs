using Backprop.Ops;

namespace Backprop;

// The losses that are operators of their own (fused), or that read like one: cross-entropy and the squared error.
public sealed partial class Tensor
{
    /// <summary>
    /// Cross-entropy between softmax(this) and integer class labels, fused and stable. This tensor holds logits with the
    /// classes on the LAST axis: [N, C] with labels [N], or [B, T, V] with labels [B, T] (as nanoGPT uses it after
    /// <c>view(-1, V)</c>; PyTorch's own cross_entropy puts the classes on axis 1 instead, so a [B, V, T] PyTorch call
    /// is <c>logits.Transpose(1, 2).CrossEntropy(labels)</c> here).
    /// </summary>
    /// <param name="labels">int32 class labels of the logits' shape without its last axis, each in [0, C) or equal to <paramref name="ignoreIndex"/>.</param>
    /// <param name="labelSmoothing">ε in [0, 1]: the target is (1 − ε)·one_hot + ε/C, as PyTorch's <c>label_smoothing</c>.</param>
    /// <param name="reduction">Mean (the default), sum, or none (one loss per label, in the labels' shape).</param>
    /// <param name="ignoreIndex">A label whose positions contribute no loss and no gradient and are not counted by the mean (PyTorch's default −100).</param>
    /// <param name="weight">Class weights [C] or null: each row's loss is scaled by its label's weight (the smoothing term by each class's), and the mean
    /// divides by the summed weight of the counted labels, as PyTorch does.</param>
    /// <returns>A 0-d loss, or with <see cref="Reduction.None"/> a tensor of the labels' shape. A mean over no counted label is NaN.</returns>
    /// <remarks>Its gradient is (softmax − target)·u per row, u the row's share of the reduction.</remarks>
    public Tensor CrossEntropy(Tensor labels, double labelSmoothing = 0, Reduction reduction = Reduction.Mean, int ignoreIndex = -100,
        Tensor? weight = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (Batched is not null || labels.Batched is not null || weight?.Batched is not null)
            return BatchingRules.CrossEntropy(this, labels, labelSmoothing, reduction, ignoreIndex, weight);
        return CrossEntropyOp.Apply(this, labels, weight, ignoreIndex, labelSmoothing, reduction);
    }

    /// <summary>
    /// Cross-entropy against labels given as an array: one label per row of the logits [..., C] flattened over their
    /// leading axes (so [N, C] with N labels, or [B, T, V] with B·T labels in row-major order). See
    /// <see cref="CrossEntropy(Tensor, double, Reduction, int, Tensor?)"/>; with <see cref="Reduction.None"/> the result has the logits' leading shape.
    /// </summary>
    public Tensor CrossEntropy(int[] labels, double labelSmoothing = 0, Reduction reduction = Reduction.Mean, int ignoreIndex = -100,
        Tensor? weight = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (Rank < 2)
            throw new ArgumentException($"cross_entropy: expected logits of shape [batch, classes] (or [..., classes]), got {Shapes.Format(ShapeArray)}");
        int classes = ShapeArray[^1], rows = classes == 0 ? 0 : Numel / classes;
        if (labels.Length != rows)
            throw new ArgumentException($"cross_entropy: {labels.Length} labels for a batch of {rows} rows (logits {Shapes.Format(ShapeArray)})");
        // A copy (the caller may refill the array for the next batch), in the scope's pool when a TensorScope is active.
        var copy = Storage.Empty(ShapeArray[..^1], DType.Int32);
        labels.CopyTo(copy.Span<int>());
        return CrossEntropy(copy, labelSmoothing, reduction, ignoreIndex, weight);
    }

    /// <summary>Squared error against <paramref name="target"/> (broadcasting): mean((this − target)²) by default.</summary>
    /// <param name="target">The target, broadcastable against this tensor.</param>
    /// <param name="reduction">Mean (the default), sum, or none (the element-wise squared errors).</param>
    public Tensor MseLoss(Tensor target, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(target);
        var d = this - target;
        return Reduce(d * d, reduction);
    }

    /// <summary>Applies a loss's <see cref="Reduction"/> to its element-wise terms.</summary>
    internal static Tensor Reduce(Tensor terms, Reduction reduction) => reduction switch
    {
        Reduction.Mean => terms.Mean(),
        Reduction.Sum => terms.Sum(),
        Reduction.None => terms,
        _ => throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "unknown reduction"),
    };
}
