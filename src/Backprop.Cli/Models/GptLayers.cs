using Backprop.NN;

namespace Backprop.Cli.Models;

/// <summary>An embedding table [count, dim] looked up by int32 tokens.</summary>
public sealed class GptEmbedding : Module<Tensor, Tensor>
{
    /// <summary>Creates the table (zeros; <see cref="Gpt"/> draws its values).</summary>
    public GptEmbedding(int count, int dim) => Weight = RegisterParameter("weight", Tensor.Zeros(count, dim));

    /// <summary>The table [count, dim].</summary>
    public Tensor Weight { get; }

    /// <summary>The rows of <paramref name="tokens"/> [...] as [..., dim].</summary>
    public Tensor Lookup(Tensor tokens) => GptFunctions.Embedding(Weight, tokens);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Lookup(input);
}

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

/// <summary>The blocks h.0, h.1, ... (PyTorch's ModuleList naming).</summary>
public sealed class GptBlockList : Module<Tensor, Tensor>
{
    private readonly List<GptBlock> _blocks = [];

    /// <summary>Registers the next block under its index.</summary>
    public GptBlock Add(GptBlock block)
    {
        RegisterModule(_blocks.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), block);
        _blocks.Add(block);
        return block;
    }

    /// <summary>Runs the blocks in order.</summary>
    public override Tensor Forward(Tensor input)
    {
        foreach (var block in _blocks) input = block.Forward(input);
        return input;
    }
}
