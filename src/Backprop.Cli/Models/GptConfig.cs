namespace Backprop.Cli.Models;

/// <summary>
/// The shape of a character-level GPT: vocabulary, context length (block), layers, heads and width. The defaults are
/// nanoGPT's <c>shakespeare_char</c> CPU recipe, the model of ../shared/bench/GPT.md.
/// </summary>
public sealed record GptConfig(int VocabularySize, int BlockSize = 64, int Layers = 4, int Heads = 4, int Embed = 128)
{
    /// <summary>Channels per head.</summary>
    public int HeadSize => Embed / Heads;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that cannot make a model.</summary>
    public GptConfig Validated()
    {
        if (VocabularySize < 1) throw new ArgumentException($"gpt: the vocabulary must have at least one character, got {VocabularySize}");
        if (BlockSize < 1) throw new ArgumentException($"gpt: block must be at least 1, got {BlockSize}");
        if (Layers < 1) throw new ArgumentException($"gpt: layers must be at least 1, got {Layers}");
        if (Heads < 1) throw new ArgumentException($"gpt: heads must be at least 1, got {Heads}");
        if (Embed < 1) throw new ArgumentException($"gpt: embed must be at least 1, got {Embed}");
        if (Embed % Heads != 0) throw new ArgumentException($"gpt: embed ({Embed}) must be a multiple of heads ({Heads})");
        return this;
    }
}
