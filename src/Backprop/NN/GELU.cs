namespace Backprop.NN;

/// <summary>GELU element-wise: exact x·Φ(x) by default, or PyTorch's tanh approximation.</summary>
public sealed class GELU(GeluApproximation approximation = GeluApproximation.None) : Module<Tensor, Tensor>
{
    /// <summary>Which GELU is computed.</summary>
    public GeluApproximation Approximation { get; } = approximation;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Gelu(Approximation);

    /// <inheritdoc/>
    public override string Describe() => Approximation == GeluApproximation.Tanh ? "GELU(approximate=tanh)" : "GELU";
}
