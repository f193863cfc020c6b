namespace Backprop.NN;

/// <summary>max(x, 0) element-wise.</summary>
public sealed class ReLU : Module<Tensor, Tensor>
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Relu();
}
