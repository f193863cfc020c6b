using Backprop.NN;

namespace Backprop.Cli.Models;

/// <summary>Layer norm over the last axis with a weight and no bias, ε = 1e-5 (PyTorch 1.13's nn.LayerNorm always has a bias).</summary>
public sealed class GptLayerNorm : Module<Tensor, Tensor>
{
    /// <summary>Creates the norm with its weight at 1.</summary>
    public GptLayerNorm(int dim) => Weight = RegisterParameter("weight", Tensor.Ones(dim));

    /// <summary>The weight [dim].</summary>
    public Tensor Weight { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => GptFunctions.LayerNorm(input, Weight, 1e-5);
}
