namespace Backprop.Data;

/// <summary>
/// Random windows of a token sequence, the samples of a language model: each sample starts at a position drawn
/// uniformly from [0, Length − BlockSize − 1] and is (input = tokens[i, i + BlockSize), target = tokens[i + 1, i + BlockSize + 1)),
/// both int32 [BlockSize], the target being the input shifted by one token. The stream has no end.
/// </summary>
public sealed class RandomWindows : IStreamingDataset<(Tensor Input, Tensor Target)>
{
    private readonly int[] _tokens;

    /// <summary>Creates the stream over <paramref name="tokens"/> (not copied).</summary>
    /// <exception cref="ArgumentException">The sequence has fewer than <paramref name="blockSize"/> + 1 tokens.</exception>
    public RandomWindows(int[] tokens, int blockSize)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        if (tokens.Length < blockSize + 1)
            throw new ArgumentException($"RandomWindows: {tokens.Length} tokens hold no window of {blockSize} tokens and its next token (at least {blockSize + 1} are needed)", nameof(tokens));
        (_tokens, BlockSize) = (tokens, blockSize);
    }

    /// <summary>The tokens per window.</summary>
    public int BlockSize { get; }

    /// <summary>The number of tokens in the sequence.</summary>
    public int Length => _tokens.Length;

    /// <summary>Windows without end, each start drawn with <see cref="Generator.NextInt(int)"/> of <paramref name="generator"/>.</summary>
    /// <exception cref="ArgumentNullException">No generator: random windows need one.</exception>
    public IEnumerable<(Tensor Input, Tensor Target)> Samples(Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(generator, nameof(generator));
        return Windows(generator);
    }

    private IEnumerable<(Tensor Input, Tensor Target)> Windows(Generator generator)
    {
        while (true)
        {
            int start = generator.NextInt(_tokens.Length - BlockSize);
            yield return (Window(start), Window(start + 1));
        }
    }

    private Tensor Window(int start) => new(_tokens.AsSpan(start, BlockSize).ToArray(), [BlockSize], DType.Int32);
}
