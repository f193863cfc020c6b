namespace Backprop.NN;

/// <summary>Flattens every axis after the batch axis: [N, d1, d2, ...] → [N, d1·d2·...] (a view when contiguous).</summary>
public sealed class Flatten : Module<Tensor, Tensor>
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Rank <= 2 ? input : input.Flatten(1);
}
