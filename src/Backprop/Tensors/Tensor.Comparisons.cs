using Backprop.Ops;

namespace Backprop;

// Element-wise comparisons (masks) and the operator that fills where a mask is set. A mask is an int32 tensor of 0
// and 1 and carries no gradient.
public sealed partial class Tensor
{
    /// <summary>1 where this = other, else 0 (int32, no gradient), broadcasting. NaN equals nothing.</summary>
    public Tensor Eq(Tensor other) => CompareOp.Apply(this, other, Comparison.Equal);
    /// <summary>1 where this ≠ other, else 0 (int32, no gradient), broadcasting. NaN differs from everything.</summary>
    public Tensor Ne(Tensor other) => CompareOp.Apply(this, other, Comparison.NotEqual);
    /// <summary>1 where this &lt; other, else 0 (int32, no gradient), broadcasting.</summary>
    public Tensor Lt(Tensor other) => CompareOp.Apply(this, other, Comparison.Less);
    /// <summary>1 where this ≤ other, else 0 (int32, no gradient), broadcasting.</summary>
    public Tensor Le(Tensor other) => CompareOp.Apply(this, other, Comparison.LessOrEqual);
    /// <summary>1 where this &gt; other, else 0 (int32, no gradient), broadcasting.</summary>
    public Tensor Gt(Tensor other) => CompareOp.Apply(this, other, Comparison.Greater);
    /// <summary>1 where this ≥ other, else 0 (int32, no gradient), broadcasting.</summary>
    public Tensor Ge(Tensor other) => CompareOp.Apply(this, other, Comparison.GreaterOrEqual);

    /// <summary>1 where this = c, else 0 (int32, no gradient); for a float32 tensor c is rounded to float32 first, as PyTorch does.</summary>
    public Tensor Eq(double c) => CompareOp.Apply(this, c, Comparison.Equal);
    /// <summary>1 where this ≠ c, else 0 (int32, no gradient).</summary>
    public Tensor Ne(double c) => CompareOp.Apply(this, c, Comparison.NotEqual);
    /// <summary>1 where this &lt; c, else 0 (int32, no gradient).</summary>
    public Tensor Lt(double c) => CompareOp.Apply(this, c, Comparison.Less);
    /// <summary>1 where this ≤ c, else 0 (int32, no gradient).</summary>
    public Tensor Le(double c) => CompareOp.Apply(this, c, Comparison.LessOrEqual);
    /// <summary>1 where this &gt; c, else 0 (int32, no gradient).</summary>
    public Tensor Gt(double c) => CompareOp.Apply(this, c, Comparison.Greater);
    /// <summary>1 where this ≥ c, else 0 (int32, no gradient).</summary>
    public Tensor Ge(double c) => CompareOp.Apply(this, c, Comparison.GreaterOrEqual);

    /// <summary>
    /// <paramref name="value"/> where <paramref name="mask"/> (of any dtype) is non-zero, this tensor's element
    /// elsewhere; the two broadcast together, as PyTorch's masked_fill. The gradient is 0 where filled. A causal attention mask is
    /// <c>scores.MaskedFill(causal.Eq(0), double.NegativeInfinity)</c>.
    /// </summary>
    public Tensor MaskedFill(Tensor mask, double value) => MaskedFillOp.Apply(this, mask, value);
}
