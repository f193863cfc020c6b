namespace Backprop.NN;

/// <summary>tanh(x) element-wise.</summary>
public sealed class Tanh : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Tanh();
}
