namespace Backprop.Cli.Bench;

/// <summary>
/// gpt_char's batches (../shared/bench/GPT.md, section 2): B sequences of T tokens at offsets
/// <c>i_b = G.next_uint32() mod (L − T)</c>, inputs <c>split[i_b .. i_b+T−1]</c>, targets one further.
/// </summary>
public sealed class GptBatches(ReadOnlyMemory<int> split, Mt19937 generator, int batch = 12, int time = 64)
{
    private readonly int[] _x = new int[batch * time], _y = new int[batch * time];

    /// <summary>The offsets of the next batch (advances the generator).</summary>
    public int[] NextOffsets()
    {
        var offsets = new int[batch];
        NextOffsets(offsets);
        return offsets;
    }

    private void NextOffsets(Span<int> offsets)
    {
        uint range = (uint)(split.Length - time);
        for (int b = 0; b < offsets.Length; b++) offsets[b] = (int)(generator.NextUInt32() % range);
    }

    /// <summary>The next batch as int32 tensors [B, T]: inputs and targets.</summary>
    public (Tensor X, Tensor Y) Next()
    {
        Span<int> offsets = stackalloc int[batch];
        NextOffsets(offsets);
        var tokens = split.Span;
        for (int b = 0; b < batch; b++)
        {
            tokens.Slice(offsets[b], time).CopyTo(_x.AsSpan(b * time, time));
            tokens.Slice(offsets[b] + 1, time).CopyTo(_y.AsSpan(b * time, time));
        }
        return (Tensor.FromArray(_x, batch, time), Tensor.FromArray(_y, batch, time));
    }
}
