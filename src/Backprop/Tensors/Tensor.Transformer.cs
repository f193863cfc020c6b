using Backprop.Ops;

namespace Backprop;

// The fused operators of a transformer block, as functions: the modules call exactly these, and so can a user's model.
public sealed partial class Tensor
{
    /// <summary>
    /// Layer normalisation over the last axis, in one fused operator (forward and backward):
    /// y = (x − mean) / √(var + <paramref name="eps"/>) · weight + bias, with the mean and the biased variance (divided
    /// by the axis length) of each row of the last axis, as PyTorch's <c>layer_norm(x, [C], weight, bias, eps)</c>.
    /// </summary>
    /// <param name="input">[..., C].</param>
    /// <param name="weight">The scale [C], or null for none.</param>
    /// <param name="bias">The shift [C], or null for none.</param>
    /// <param name="eps">Added to the variance; at least 0.</param>
    /// <returns>A tensor of the input's shape.</returns>
    public static Tensor LayerNorm(Tensor input, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(input);
        return LayerNormOp.Apply(input, weight, bias, eps);
    }

    /// <summary>
    /// Scaled dot-product attention in one fused operator: softmax(q·kᵀ·scale)·v over the last two axes, batched
    /// over the leading axes (such as [B, H, T, hs]). With <paramref name="isCausal"/>, query i attends to keys 0..i
    /// only (PyTorch's <c>is_causal</c>, the mask aligned to the top left); the masked scores are skipped, not filled,
    /// and no mask tensor exists. The backward gives dq, dk and dv.
    /// </summary>
    /// <param name="query">q [..., L, E].</param>
    /// <param name="key">k [..., S, E], the same leading axes as q.</param>
    /// <param name="value">v [..., S, Ev], the same leading axes as q.</param>
    /// <param name="isCausal">Mask key j for query i where j &gt; i.</param>
    /// <param name="scale">The factor on q·kᵀ; null for 1/√E.</param>
    /// <returns>[..., L, Ev]. Its memory layout follows q's (a head view of a [B, T, C] projection gives a result
    /// whose transpose back to [B, T, H, hs] is contiguous).</returns>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, bool isCausal = false, double? scale = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        return ScaledDotProductAttentionOp.Apply(query, key, value, isCausal, scale);
    }

    /// <summary>
    /// Multi-head self-attention on a packed projection, in one fused operator: <paramref name="qkv"/> [..., T, 3·C]
    /// holds q, k and v side by side (channels 0..C, C..2C, 2C..3C; head h is channels h·hs..(h+1)·hs of each, hs =
    /// C / <paramref name="heads"/>), as one linear layer such as a GPT's c_attn produces them. Computes
    /// <see cref="ScaledDotProductAttention(Tensor, Tensor, Tensor, bool, double?)"/> per head and merges the heads
    /// back, with the same results, but reads the heads in place and writes the projection's gradient as one dense
    /// tensor (no head views, and no zero-filled slice gradients to add up).
    /// </summary>
    /// <param name="qkv">[..., T, 3·C], C a multiple of <paramref name="heads"/>.</param>
    /// <param name="heads">The number of heads H.</param>
    /// <param name="isCausal">Position i attends to positions 0..i only.</param>
    /// <param name="scale">The factor on q·kᵀ; null for 1/√hs.</param>
    /// <returns>[..., T, C]: head h's output in channels h·hs..(h+1)·hs.</returns>
    public static Tensor SelfAttention(Tensor qkv, int heads, bool isCausal = false, double? scale = null)
    {
        ArgumentNullException.ThrowIfNull(qkv);
        return SelfAttentionOp.Apply(qkv, heads, isCausal, scale);
    }

    /// <summary>
    /// Scaled dot-product attention with an explicit mask, softmax(q·kᵀ·scale + mask)·v. A floating-point mask is
    /// added to the scores (−∞ excludes a key; finite values bias it, and a mask that requires a gradient receives
    /// one); an int32 mask is boolean: nonzero keeps a key, 0 excludes it, as PyTorch's boolean <c>attn_mask</c>.
    /// The mask broadcasts to [..., L, S]. Built from the matmul and softmax operators (the fused form is the
    /// overload without a mask). A query row whose every key is excluded has no softmax: its output and gradients are
    /// NaN, as in PyTorch.
    /// </summary>
    /// <param name="query">q [..., L, E].</param>
    /// <param name="key">k [..., S, E].</param>
    /// <param name="value">v [..., S, Ev].</param>
    /// <param name="attentionMask">Additive (float) or boolean (int32) mask, broadcastable to [..., L, S].</param>
    /// <param name="isCausal">Also exclude key j for query i where j &gt; i.</param>
    /// <param name="scale">The factor on q·kᵀ; null for 1/√E.</param>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor attentionMask, bool isCausal = false,
        double? scale = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(attentionMask);
        const string op = "scaled_dot_product_attention";
        if (query.Rank < 2 || key.Rank < 2 || value.Rank < 2)
            throw new ArgumentException($"{op}: expected q [..., L, E], k [..., S, E] and v [..., S, Ev], got {Shapes.Format(query.ShapeArray)}, {Shapes.Format(key.ShapeArray)} and {Shapes.Format(value.ShapeArray)}");
        int l = query.ShapeArray[^2], s = key.ShapeArray[^2], e = query.ShapeArray[^1];
        var mask = attentionMask;
        if (!mask.DType.IsFloatingPoint())
        {
            // Boolean: 0 excludes the key; as an additive mask that is −∞, and nonzero is 0.
            var keep = mask.ToArray<int>();
            var additive = new double[keep.Length];
            for (int i = 0; i < keep.Length; i++) additive[i] = keep[i] != 0 ? 0 : double.NegativeInfinity;
            mask = FromArray(additive, mask.ShapeArray).To(query.DType);
        }
        if (mask.Rank > 0 && (mask.ShapeArray[^1] != s && mask.ShapeArray[^1] != 1 || mask.Rank > 1 && mask.ShapeArray[^2] != l && mask.ShapeArray[^2] != 1))
            throw new ArgumentException($"{op}: the mask {Shapes.Format(attentionMask.ShapeArray)} does not broadcast to the scores [..., {l}, {s}] of q {Shapes.Format(query.ShapeArray)} and k {Shapes.Format(key.ShapeArray)}");
        var scores = MatMul(query, key.Transpose(-2, -1)) * (scale ?? 1.0 / Math.Sqrt(e)) + mask;
        if (isCausal)
        {
            var causal = new double[l * s];
            for (int i = 0; i < l; i++)
                for (int j = i + 1; j < s; j++) causal[i * s + j] = double.NegativeInfinity;
            scores += FromArray(causal, l, s).To(scores.DType);
        }
        return MatMul(scores.Softmax(), value);
    }
}
