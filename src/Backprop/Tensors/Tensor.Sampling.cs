using Backprop.Ops;

namespace Backprop;

// Drawing indices from distributions.
public sealed partial class Tensor
{
    /// <summary>
    /// <paramref name="numSamples"/> category indices (int32) drawn from each row of non-negative weights [categories]
    /// or [rows, categories], which need not sum to 1, as <c>torch.multinomial</c>; the result is [numSamples] or
    /// [rows, numSamples]. Without <paramref name="replacement"/> a category is drawn at most once per row. A negative,
    /// NaN or infinite weight, an all-zero row, or more samples than positive weights without replacement throws
    /// <see cref="ArgumentException"/>. Draws one <see cref="Generator.NextDouble"/> per sample, rows then samples in
    /// order (from <paramref name="generator"/>, or <see cref="Generator.Default"/>); no gradient.
    /// </summary>
    public Tensor Multinomial(int numSamples, bool replacement = false, Generator? generator = null) =>
        MultinomialOp.Apply(this, numSamples, replacement, generator ?? Generator.Default);
}
