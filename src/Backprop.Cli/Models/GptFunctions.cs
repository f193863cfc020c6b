namespace Backprop.Cli.Models;

/// <summary>The GPT's layer functions, composed from the library's public operators.</summary>
public static class GptFunctions
{
    /// <summary>(x − mean) / √(var + ε) · weight over the last axis, var biased.</summary>
    public static Tensor LayerNorm(Tensor x, Tensor weight, double eps)
    {
        var centred = x - x.Mean(-1, keepDim: true);
        var variance = (centred * centred).Mean(-1, keepDim: true);
        return centred / (variance + eps).Sqrt() * weight;
    }

    /// <summary>softmax(q·kᵀ/√d with positions after the query hidden)·v for q, k, v [B, H, T, d].</summary>
    public static Tensor CausalAttention(Tensor q, Tensor k, Tensor v)
    {
        int t = q.Shape[2], d = q.Shape[3];
        var scores = q.MatMul(k.Transpose(-2, -1)) * (1 / Math.Sqrt(d)) + CausalMask(t);
        return scores.Softmax(-1).MatMul(v);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, Tensor> Masks = new();

    // −∞ above the diagonal, 0 elsewhere; made once per length, outside every tensor scope (Keep), so later steps reuse it.
    private static Tensor CausalMask(int t) => Masks.GetOrAdd(t, n =>
    {
        var mask = new float[n * n];
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) mask[i * n + j] = float.NegativeInfinity;
        return TensorScope.Keep(Tensor.FromArray(mask, n, n));
    });
}
