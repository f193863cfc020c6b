namespace Backprop.NN;

/// <summary>1 / (1 + e^−x) element-wise.</summary>
public sealed class Sigmoid : Module<Tensor, Tensor>
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Sigmoid();
}
