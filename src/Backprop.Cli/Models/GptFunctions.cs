namespace Backprop.Cli.Models;

/// <summary>The GPT's layer functions, composed from the library's public operators.</summary>
public static class GptFunctions
{
    /// <summary>Rows of <paramref name="table"/> [count, dim] for int32 <paramref name="tokens"/> [...]: [..., dim].</summary>
    public static Tensor Embedding(Tensor table, Tensor tokens)
    {
        var shape = new int[tokens.Rank + 1];
        tokens.Shape.CopyTo(shape);
        shape[^1] = table.Shape[1];
        return table.IndexSelect(0, tokens.ToArray<int>()).Reshape(shape);
    }

    /// <summary>(x − mean) / √(var + ε) · weight over the last axis, var biased.</summary>
    public static Tensor LayerNorm(Tensor x, Tensor weight, double eps)
    {
        var centred = x - x.Mean(-1, keepDim: true);
        var variance = (centred * centred).Mean(-1, keepDim: true);
        return centred / (variance + eps).Sqrt() * weight;
    }

    /// <summary>Exact GELU, 0.5·u·(1 + erf(u/√2)).</summary>
    public static Tensor Gelu(Tensor u)
    {
        // Φ(u) from the complementary error function's rational approximation (Abramowitz & Stegun 7.1.26, absolute
        // error below 1.5e-7, under float32's resolution near 1): q = ½·erfc(|u|/√2), Φ = 1 − q for u ≥ 0, else q.
        var z = u.Abs() * (1 / Math.Sqrt(2));
        var t = 1.0 / (z * 0.3275911 + 1.0);
        var poly = t * (t * (t * (t * (t * 1.061405429 - 1.453152027) + 1.421413741) - 0.284496736) + 0.254829592);
        var q = poly * (-(z * z)).Exp() * 0.5;
        var phi = Tensor.Where(u.Greater(0), 1.0 - q, q);
        return u * phi;
    }

    /// <summary>softmax(q·kᵀ/√d with positions after the query hidden)·v for q, k, v [B, H, T, d].</summary>
    public static Tensor CausalAttention(Tensor q, Tensor k, Tensor v)
    {
        int t = q.Shape[2], d = q.Shape[3];
        var mask = new float[t * t];
        for (int i = 0; i < t; i++)
            for (int j = i + 1; j < t; j++) mask[i * t + j] = float.NegativeInfinity;
        var scores = q.MatMul(k.Transpose(-2, -1)) * (1 / Math.Sqrt(d)) + Tensor.FromArray(mask, t, t);
        return scores.Softmax(-1).MatMul(v);
    }
}
