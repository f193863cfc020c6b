using Backprop.NN;

namespace Backprop.Tests.NN;

/// <summary>
/// The transformer operators and layers as a user calls them: layouts (head views read in place, results laid out
/// for a free merge of the heads), the modules' parameters and PyTorch names, causality, and misuse.
/// </summary>
public class TransformerTests
{
    private static Tensor R(int seed, params int[] shape) => Tensor.Normal(shape, 0, 1, new Generator((ulong)seed), DType.Float32);

    [Fact]
    public void Attention_over_head_views_equals_attention_over_contiguous_copies_bit_for_bit()
    {
        // The GPT's layout: q, k, v are head views [B, H, T, hs] of one [B, T, 3C] projection (independent reference:
        // the same computation on contiguous copies, which the kernel reads densely).
        var qkv = R(1, 2, 6, 3 * 8);
        qkv.RequiresGrad = true;
        var upstream = R(2, 1, 2, 2, 6, 4);
        // [B, T, 3, H, hs] → [3, B, H, T, hs] is a view; each of q, k, v is one slice of it, [1, B, H, T, hs].
        var split = qkv.Reshape(2, 6, 3, 2, 4).Permute(2, 0, 3, 1, 4);
        var qs = split.Narrow(0, 0, 1);
        Assert.False(qs.IsContiguous);
        var y = Tensor.ScaledDotProductAttention(qs, split.Narrow(0, 1, 1), split.Narrow(0, 2, 1), isCausal: true);
        y.Backward(upstream);
        var gradViews = qkv.Grad!.ToArray<float>();

        var copy = qkv.Detach().Clone();
        copy.RequiresGrad = true;
        var split2 = copy.Reshape(2, 6, 3, 2, 4).Permute(2, 0, 3, 1, 4);
        var y2 = Tensor.ScaledDotProductAttention(split2.Narrow(0, 0, 1).Contiguous(), split2.Narrow(0, 1, 1).Contiguous(),
            split2.Narrow(0, 2, 1).Contiguous(), isCausal: true);
        y2.Backward(upstream);
        Assert.Equal(y2.ToArray<float>(), y.ToArray<float>());
        Assert.Equal(copy.Grad!.ToArray<float>(), gradViews);
    }

    // The reference for the packed operator: the head views of the projection through ScaledDotProductAttention,
    // the heads merged back with a permute and a reshape, as a model writes it without the packed form.
    private static Tensor ViaHeadViews(Tensor qkv, int heads, bool causal, double? scale = null)
    {
        int b = qkv.Shape[0], t = qkv.Shape[1], c = qkv.Shape[2] / 3, hs = c / heads;
        var split = qkv.Reshape(b, t, 3, heads, hs);
        Tensor Heads(int part) => split.Narrow(2, part, 1).Permute(2, 0, 3, 1, 4);
        return Tensor.ScaledDotProductAttention(Heads(0), Heads(1), Heads(2), causal, scale).Permute(0, 1, 3, 2, 4).Reshape(b, t, c);
    }

    [Theory]
    [InlineData(2, 64, 128, 4, true)]   // the GPT's block: the tiled kernel path
    [InlineData(3, 7, 24, 2, false)]    // short rows: the untiled path
    [InlineData(1, 70, 96, 3, true)]    // a partial tile of rows
    public void Packed_self_attention_equals_the_head_views_bit_for_bit(int b, int t, int c, int heads, bool causal)
    {
        // The GPT's shape also at one and two threads (the smaller ones are too small to be split).
        foreach (int threads in b * t >= 128 ? new[] { 1, 2 } : new[] { 0 })
        {
            Func<(float[], float[])> packed = () => Run(q => Tensor.SelfAttention(q, heads, causal));
            var (y, grad) = threads == 0 ? packed() : Backprop.Tests.Kernels.WithThreads.Run(threads, packed);
            var (yRef, gradRef) = Run(q => ViaHeadViews(q, heads, causal));
            Assert.Equal(yRef, y);
            Assert.Equal(gradRef, grad);
        }

        (float[] Y, float[] Grad) Run(Func<Tensor, Tensor> attention)
        {
            var qkv = R(3, b, t, 3 * c);
            qkv.RequiresGrad = true;
            var y = attention(qkv);
            Assert.Equal([b, t, c], y.Shape.ToArray());
            y.Backward(R(4, b, t, c));
            return (y.ToArray<float>(), qkv.Grad!.ToArray<float>());
        }
    }

    [Fact]
    public void Packed_self_attention_is_differentiable_twice_as_the_head_views_are()
    {
        // Second derivatives through the packed operator's recorded backward against those through the head views.
        double[] SecondOrder(Func<Tensor, Tensor> attention)
        {
            var qkv = Tensor.Normal([2, 5, 12], 0, 1, new Generator(5), DType.Float64);
            qkv.RequiresGrad = true;
            var loss = (attention(qkv).Tanh() * Tensor.Normal([2, 5, 4], 0, 1, new Generator(6), DType.Float64)).Sum();
            var g = Backprop.Autograd.Grad([loss], [qkv], createGraph: true)[0]!;
            var second = Backprop.Autograd.Grad([(g * g).Sum()], [qkv])[0]!;
            return second.ToArray<double>();
        }
        var packed = SecondOrder(q => Tensor.SelfAttention(q, 2, isCausal: true, scale: 0.8));
        var views = SecondOrder(q => ViaHeadViews(q, 2, causal: true, scale: 0.8));
        Assert.Equal(views.Length, packed.Length);
        for (int i = 0; i < views.Length; i++) Assert.True(Math.Abs(views[i] - packed[i]) <= 1e-12 * (1 + Math.Abs(views[i])), $"[{i}]: {packed[i]} vs {views[i]}");
    }

    [Fact]
    public void Packed_self_attention_rejects_a_width_that_is_not_three_heads_of_channels()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.SelfAttention(R(1, 2, 4, 20), 3));
        Assert.Contains("self_attention", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.SelfAttention(R(1, 2, 4, 12), 0));
    }

    [Fact]
    public void Broadcast_keys_are_read_in_place_and_their_gradients_summed()
    {
        // Keys and values shared by all heads (stride 0 on the head axis) against the same keys copied per head
        // (independent reference: the dense path); the shared keys' gradient is the sum over heads of the copies'.
        var q = R(12, 2, 3, 4, 5);
        var k = R(13, 2, 1, 6, 5);
        var v = R(14, 2, 1, 6, 2);
        k.RequiresGrad = v.RequiresGrad = true;
        var upstream = R(15, 2, 3, 4, 2);
        var y = Tensor.ScaledDotProductAttention(q, k.Expand(2, 3, 6, 5), v.Expand(2, 3, 6, 2), isCausal: true);
        y.Backward(upstream);

        var kc = k.Detach().Expand(2, 3, 6, 5).Contiguous();
        var vc = v.Detach().Expand(2, 3, 6, 2).Contiguous();
        kc.RequiresGrad = vc.RequiresGrad = true;
        var yc = Tensor.ScaledDotProductAttention(q, kc, vc, isCausal: true);
        yc.Backward(upstream);
        Assert.Equal(yc.ToArray<float>(), y.ToArray<float>());
        var expectedK = kc.Grad!.Sum(1, keepDim: true).ToArray<float>();
        var actualK = k.Grad!.ToArray<float>();
        for (int i = 0; i < expectedK.Length; i++) Assert.Equal(expectedK[i], actualK[i], 5);
        var expectedV = vc.Grad!.Sum(1, keepDim: true).ToArray<float>();
        var actualV = v.Grad!.ToArray<float>();
        for (int i = 0; i < expectedV.Length; i++) Assert.Equal(expectedV[i], actualV[i], 5);
    }

    [Fact]
    public void The_attention_output_of_head_views_merges_back_without_a_copy()
    {
        // [B, T, C] → [B, H, T, hs] → attention → transpose back: the result is laid out as [B, T, H, hs], so the merge is a view.
        var x = R(3, 2, 5, 8);
        var heads = x.Reshape(2, 5, 2, 4).Transpose(1, 2);
        var y = Tensor.ScaledDotProductAttention(heads, heads, heads, isCausal: true);
        Assert.Equal([2, 2, 5, 4], y.Shape.ToArray());
        Assert.True(y.Transpose(1, 2).IsContiguous);
        // A contiguous query gives a contiguous result.
        Assert.True(Tensor.ScaledDotProductAttention(heads.Contiguous(), heads, heads).IsContiguous);
    }

    [Fact]
    public void Causal_attention_does_not_look_ahead()
    {
        // Changing the last position's key and value changes no earlier output (a property of the mask).
        var q = R(4, 1, 6, 4);
        var k = R(5, 1, 6, 4);
        var v = R(6, 1, 6, 4);
        var k2 = Tensor.Concat([k.Narrow(1, 0, 5), R(7, 1, 1, 4)], 1);
        var v2 = Tensor.Concat([v.Narrow(1, 0, 5), R(8, 1, 1, 4)], 1);
        var a = Tensor.ScaledDotProductAttention(q, k, v, isCausal: true).ToArray<float>();
        var b = Tensor.ScaledDotProductAttention(q, k2, v2, isCausal: true).ToArray<float>();
        Assert.Equal(a.AsSpan(0, 20).ToArray(), b.AsSpan(0, 20).ToArray());
        Assert.NotEqual(a.AsSpan(20, 4).ToArray(), b.AsSpan(20, 4).ToArray());
    }

    [Fact]
    public void A_fully_masked_row_gives_NaN_as_documented()
    {
        // A user mask that excludes every key of a row: softmax over nothing, NaN (as PyTorch's explicit formula).
        var q = R(9, 2, 3);
        var mask = Tensor.FromArray([1, 1, 0, 0], 2, 2);
        var y = Tensor.ScaledDotProductAttention(q, q, q, mask).ToArray<float>();
        Assert.All(y.AsSpan(0, 3).ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.All(y.AsSpan(3, 3).ToArray(), v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void Attention_misuse_names_the_operator_and_the_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.ScaledDotProductAttention(R(1, 2, 3, 4), R(2, 2, 3, 5), R(3, 2, 3, 4)));
        Assert.Equal("scaled_dot_product_attention: q [2, 3, 4] and k [2, 3, 5] must have the same last axis (the embedding E)", e.Message);
        var b = Assert.Throws<ArgumentException>(() => Tensor.ScaledDotProductAttention(R(1, 2, 3, 4), R(2, 3, 3, 4), R(3, 3, 3, 4)));
        Assert.StartsWith("scaled_dot_product_attention: the batch axes of q [2, 3, 4], k [3, 3, 4] and v [3, 3, 4] differ at axis 0", b.Message);
        var s = Assert.Throws<ArgumentException>(() => Tensor.ScaledDotProductAttention(R(1, 3, 4), R(2, 5, 4), R(3, 4, 4)));
        Assert.Contains("k [5, 4] and v [4, 4] must have the same sequence axis", s.Message);
        var m = Assert.Throws<ArgumentException>(() => Tensor.ScaledDotProductAttention(R(1, 3, 4), R(2, 5, 4), R(3, 5, 4), R(4, 3, 4)));
        Assert.Contains("the mask [3, 4] does not broadcast to the scores [..., 3, 5]", m.Message);
    }

    [Fact]
    public void LayerNorm_module_has_PyTorch_names_defaults_and_checks_its_input()
    {
        var ln = new LayerNorm(4);
        Assert.Equal(["weight", "bias"], ln.StateDict().Select(p => p.Key));
        Assert.Equal([1f, 1, 1, 1], ln.Weight!.ToArray<float>());
        Assert.Equal([0f, 0, 0, 0], ln.Bias!.ToArray<float>());
        Assert.Equal(["weight"], new LayerNorm(4, bias: false).StateDict().Select(p => p.Key));
        Assert.Empty(new LayerNorm(4, elementwiseAffine: false).StateDict());
        // With the default weight and bias the output is the normalised input: mean 0, biased variance 1 − ε-ish.
        var y = ln.Forward(Tensor.FromArray(new float[] { 1, 2, 3, 4, -10, 0, 10, 20 }, 2, 4));
        var row = y.ToArray<float>().AsSpan(0, 4).ToArray();
        Assert.Equal(0, row.Average(), 6);
        Assert.Equal(1, row.Select(v => v * v).Average(), 4);
        var e = Assert.Throws<ArgumentException>(() => ln.Forward(R(1, 2, 5)));
        Assert.Equal("LayerNorm(4): expected input [..., 4], got [2, 5]", e.Message);
        var w = Assert.Throws<ArgumentException>(() => Tensor.LayerNorm(R(1, 2, 5), R(2, 4)));
        Assert.Equal("layer_norm: the weight must have shape [5] (the last axis of the input [2, 5]), got [4]", w.Message);
    }

    [Fact]
    public void MultiheadAttention_has_PyTorch_names_shapes_and_initialisation()
    {
        var mha = new MultiheadAttention(16, 4, generator: new Generator(3));
        Assert.Equal(["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"], mha.StateDict().Select(p => p.Key));
        Assert.Equal([48, 16], mha.InProjWeight.Shape.ToArray());
        // Xavier-uniform: |w| ≤ √(6 / (16 + 48)); both biases zero (PyTorch's _reset_parameters).
        double bound = Math.Sqrt(6.0 / 64);
        Assert.All(mha.InProjWeight.ToArray<float>(), v => Assert.InRange(v, -bound, bound));
        Assert.True(mha.InProjWeight.ToArray<float>().Max() > bound * 0.9);
        Assert.All(mha.InProjBias!.ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.All(mha.OutProj.Bias!.ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.Equal(["in_proj_weight", "out_proj.weight"], new MultiheadAttention(16, 4, bias: false, generator: new Generator(3)).StateDict().Select(p => p.Key));
        var y = mha.Forward(R(1, 2, 5, 16), R(2, 2, 7, 16), R(3, 2, 7, 16));
        Assert.Equal([2, 5, 16], y.Shape.ToArray());
        var e = Assert.Throws<ArgumentException>(() => new MultiheadAttention(10, 4));
        Assert.Contains("embedDim (10) must be a positive multiple of numHeads (4)", e.Message);
        var s = Assert.Throws<ArgumentException>(() => mha.Forward(R(1, 2, 5, 16), R(2, 2, 7, 16), R(3, 2, 6, 16)));
        Assert.Contains("expected batch-first query [B, L, 16], key and value [B, S, 16]", s.Message);
    }

    [Fact]
    public void Cross_entropy_over_B_T_V_is_the_flattened_N_C_loss()
    {
        // nanoGPT's view(-1, V): [B, T, V] with [B, T] labels equals [B·T, V] with B·T labels (independent path: the [N, C] operator).
        var logits = R(10, 2, 3, 5);
        int[] labels = [4, 0, 1, 2, 2, 3];
        var bt = logits.CrossEntropy(Tensor.FromArray(labels, 2, 3));
        var flat = logits.Reshape(6, 5).CrossEntropy(labels);
        Assert.Equal(flat.Item(), bt.Item());
        var none = logits.CrossEntropy(Tensor.FromArray(labels, 2, 3), reduction: Reduction.None);
        Assert.Equal([2, 3], none.Shape.ToArray());
        Assert.Equal(flat.Item(), none.ToArray<float>().Average(), 6);
        Assert.Equal(none.ToArray<float>().Sum(), logits.CrossEntropy(labels, reduction: Reduction.Sum).Item(), 5);
    }

    [Fact]
    public void Cross_entropy_misuse_names_the_position_and_the_options()
    {
        var e = Assert.Throws<ArgumentException>(() => R(1, 2, 3, 4).CrossEntropy(Tensor.FromArray([0, 1, 2, 3, 4, 1], 2, 3)));
        Assert.Equal("cross_entropy: label 4 at [1, 1] is out of range for 4 classes (expected 0..3 or the ignore index -100)", e.Message);
        var s = Assert.Throws<ArgumentException>(() => R(1, 2, 3, 4).CrossEntropy(Tensor.FromArray([0, 1], 2)));
        Assert.Contains("got logits [2, 3, 4] and labels [2]", s.Message);
        var w = Assert.Throws<ArgumentException>(() => R(1, 2, 4).CrossEntropy([0, 1], weight: Tensor.Ones(3)));
        Assert.Equal("cross_entropy: class weights must be a float vector [4] (one per class), got float32 [3]", w.Message);
        var f = Assert.Throws<ArgumentException>(() => R(1, 2, 4).CrossEntropy(Tensor.FromArray(new float[] { 0, 1 }, 2)));
        Assert.Contains("expected int32 class labels, got float32", f.Message);
    }

    [Fact]
    public void Cross_entropy_at_the_GPT_size_is_bit_identical_for_one_and_two_threads()
    {
        var logits = R(11, 12, 64, 83);
        var labels = Tensor.FromArray(Enumerable.Range(0, 768).Select(i => i * 7 % 83).ToArray(), 12, 64);
        (float[] Loss, float[] Grad) Run()
        {
            var x = logits.Detach().Clone();
            x.RequiresGrad = true;
            var loss = x.CrossEntropy(labels);
            loss.Backward();
            return ([(float)loss.Item()], x.Grad!.ToArray<float>());
        }
        var one = Kernels.WithThreads.Run(1, Run);
        var two = Kernels.WithThreads.Run(2, Run);
        Assert.Equal(one.Loss, two.Loss);
        Assert.Equal(one.Grad, two.Grad);
    }
}
