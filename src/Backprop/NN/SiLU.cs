namespace Backprop.NN;

/// <summary>SiLU (swish) x·σ(x) element-wise.</summary>
public sealed class SiLU : Module<Tensor, Tensor>
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Silu();

    /// <inheritdoc/>
    public override string Describe() => "SiLU";
}
