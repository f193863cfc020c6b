using Backprop.Ops;

namespace Backprop;

// The activations and special functions of modern networks (GELU, SiLU, softplus) and the element-wise functions
// they are made of.
public sealed partial class Tensor
{
    /// <summary>
    /// GELU: exact x·Φ(x) = ½x(1 + erf(x/√2)) by default, or PyTorch's tanh approximation
    /// ½x(1 + tanh(√(2/π)(x + 0.044715x³))). Float tensors only.
    /// </summary>
    public Tensor Gelu(GeluApproximation approximation = GeluApproximation.None) =>
        Batched is null ? GeluOp.Apply(this, approximation) : BatchingRules.Map(this, approximation, static (p, a) => p.Gelu(a));

    /// <summary>SiLU (swish): x·σ(x) = x/(1 + e⁻ˣ).</summary>
    public Tensor Silu() => Batched is null ? SiluOp.Apply(this) : BatchingRules.Map(this, static p => p.Silu());

    /// <summary>
    /// Softplus log(1 + e^(βx))/β, a smooth ReLU; where βx exceeds <paramref name="threshold"/> it is x itself (as
    /// PyTorch, where the two agree in floating point), with gradient 1.
    /// </summary>
    public Tensor Softplus(double beta = 1, double threshold = 20) =>
        Batched is null ? SoftplusOp.Apply(this, beta, threshold) : BatchingRules.Map(this, (beta, threshold), static (p, s) => p.Softplus(s.beta, s.threshold));

    /// <summary>ln(1 + x), accurate for x near 0 where ln(1 + x) computed directly loses digits.</summary>
    public Tensor Log1p() => Batched is null ? Log1pOp.Apply(this) : BatchingRules.Map(this, static p => p.Log1p());

    /// <summary>The error function erf x = (2/√π)∫₀ˣ e^(−t²) dt.</summary>
    public Tensor Erf() => Batched is null ? ErfOp.Apply(this) : BatchingRules.Map(this, static p => p.Erf());

    /// <summary>Sine (radians).</summary>
    public Tensor Sin() => Batched is null ? SinOp.Apply(this) : BatchingRules.Map(this, static p => p.Sin());

    /// <summary>Cosine (radians).</summary>
    public Tensor Cos() => Batched is null ? CosOp.Apply(this) : BatchingRules.Map(this, static p => p.Cos());
}
