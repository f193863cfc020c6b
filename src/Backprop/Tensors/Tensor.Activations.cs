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
    public Tensor Gelu(GeluApproximation approximation = GeluApproximation.None) => GeluOp.Apply(this, approximation);

    /// <summary>SiLU (swish): x·σ(x) = x/(1 + e⁻ˣ).</summary>
    public Tensor Silu() => SiluOp.Apply(this);

    /// <summary>
    /// Softplus log(1 + e^(βx))/β, a smooth ReLU; where βx exceeds <paramref name="threshold"/> it is x itself (as
    /// PyTorch, where the two agree in floating point), with gradient 1.
    /// </summary>
    public Tensor Softplus(double beta = 1, double threshold = 20) => SoftplusOp.Apply(this, beta, threshold);

    /// <summary>ln(1 + x), accurate for x near 0 where ln(1 + x) computed directly loses digits.</summary>
    public Tensor Log1p() => Log1pOp.Apply(this);

    /// <summary>The error function erf x = (2/√π)∫₀ˣ e^(−t²) dt.</summary>
    public Tensor Erf() => ErfOp.Apply(this);

    /// <summary>Sine (radians).</summary>
    public Tensor Sin() => SinOp.Apply(this);

    /// <summary>Cosine (radians).</summary>
    public Tensor Cos() => CosOp.Apply(this);
}
