using Backprop.NN;

namespace Backprop.Tests.Ops;

/// <summary>
/// Layer norm, scaled dot-product attention (fused, and with an explicit mask), multi-head attention and the losses
/// with reduction, ignore index and class weights against PyTorch: the expected outputs and input gradients are
/// PyTorch 1.13's own in float64, computed once by <c>tools/fixtures/attention.py</c> (attention by the explicit
/// formula, multi-head attention by <c>nn.MultiheadAttention(batch_first=True)</c> with the case's weights).
/// </summary>
public class AttentionFixtureTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in AttentionFixture.Cases) data.Add(c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var c = AttentionFixture.Get(name);
        var inputs = c.Inputs.Select(i => i.ToTensor()).ToArray();
        // Where each input's gradient ends up: the input itself, or for a module's weights the module's parameter.
        var holders = (Tensor[])inputs.Clone();
        var y = Compute(c, inputs, holders);
        EdgeCaseGradientTests.AssertMatches(c.Output!, y, $"{name}: output");
        y.Backward(c.Upstream!.ToTensor());
        for (int i = 0; i < inputs.Length; i++)
        {
            if (c.Grads[i] is not { } expected) continue;
            var grad = holders[i].Grad ?? Tensor.ZerosLike(inputs[i]);
            EdgeCaseGradientTests.AssertMatches(expected, grad, $"{name}: gradient of input {i}");
        }
    }

    [Fact]
    public void TheFixtureComesFromPyTorch113AndCoversEveryOperator()
    {
        Assert.StartsWith("1.13", AttentionFixture.TorchVersion);
        var ops = AttentionFixture.Cases.Select(c => c.Op).ToHashSet();
        Assert.Empty(new[] { "layer_norm", "sdpa", "sdpa_mask", "mha_self", "mha", "cross_entropy", "mse", "l1", "bce_with_logits" }.Except(ops));
    }

    private static Reduction ReductionOf(EdgeCase c) => c.Params.GetProperty("reduction").GetString() switch
    {
        "mean" => Reduction.Mean,
        "sum" => Reduction.Sum,
        "none" => Reduction.None,
        var r => throw new FormatException($"unknown reduction '{r}'"),
    };

    private static Tensor Compute(EdgeCase c, Tensor[] x, Tensor[] holders)
    {
        switch (c.Op)
        {
            case "layer_norm":
            {
                bool w = c.Bool("weight"), b = c.Bool("bias");
                return Tensor.LayerNorm(x[0], w ? x[1] : null, b ? x[w ? 2 : 1] : null, c.Double("eps", 1e-5));
            }
            case "sdpa":
                return Tensor.ScaledDotProductAttention(x[0], x[1], x[2], c.Bool("causal"), c.Params.TryGetProperty("scale", out var s) ? s.GetDouble() : null);
            case "sdpa_mask":
            {
                // A boolean mask travels as 0/1 floats; here it is an int32 mask (nonzero keeps a key).
                var mask = c.Bool("boolean") ? Tensor.FromArray(x[3].ToDoubleArray().Select(v => (int)v).ToArray(), x[3].Shape.ToArray()) : x[3];
                return Tensor.ScaledDotProductAttention(x[0], x[1], x[2], mask, c.Bool("causal"));
            }
            case "mha_self":
            case "mha":
            {
                bool self = c.Op == "mha_self", bias = c.Bool("bias");
                int p = self ? 1 : 3;
                var module = new MultiheadAttention(x[0].Shape[2], c.Int("heads")!.Value, bias, new Generator(1), c.Bool("causal"), DType.Float64);
                // The case's weights are loaded by PyTorch's names; their gradients are then the module's parameters'.
                var names = bias ? new[] { "in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias" } : ["in_proj_weight", "out_proj.weight"];
                Assert.Equal(names, module.StateDict().Select(e => e.Key));
                module.LoadStateDict(names.Select((n, i) => (n, x[p + i])).ToDictionary(e => e.n, e => e.Item2));
                var state = module.StateDict();
                for (int i = 0; i < names.Length; i++) holders[p + i] = state[i].Value;
                return self ? module.Forward(x[0], x[0], x[0]) : module.Forward(x[0], x[1], x[2]);
            }
            case "cross_entropy":
            {
                var labels = c.Ints("labels")!;
                var shape = x[0].Shape[..^1].ToArray();
                return x[0].CrossEntropy(Tensor.FromArray(labels, shape), c.Double("smoothing", 0), ReductionOf(c), c.Int("ignore_index")!.Value,
                    c.Bool("weight") ? x[1] : null);
            }
            case "mse": return Losses.Mse(x[0], x[1], ReductionOf(c));
            case "l1": return Losses.L1(x[0], x[1], ReductionOf(c));
            case "bce_with_logits": return Losses.BinaryCrossEntropyWithLogits(x[0], x[1], ReductionOf(c));
            default: throw new FormatException($"attention fixture: unknown op '{c.Op}'");
        }
    }
}
