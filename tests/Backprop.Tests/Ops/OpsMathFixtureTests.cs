namespace Backprop.Tests.Ops;

/// <summary>
/// GELU (exact and tanh), SiLU, softplus, log1p, erf, sin, cos, the comparisons, masked_fill, tril/triu, amax/amin,
/// std/var and cumsum against PyTorch 1.13 in float64: forward values and every input's gradient as PyTorch computed
/// them once (<c>tools/fixtures/ops_math.py</c> → <c>Fixtures/ops_math.json</c>), on ordinary values and at the
/// edges. NaN must meet NaN, an infinity the same infinity, any other number PyTorch's within 1e-12 + 1e-10·|x|
/// (<see cref="EdgeCaseGradientTests.AssertMatches"/>). Where PyTorch refuses an input, Backprop must throw an
/// <see cref="ArgumentException"/> naming the operator.
/// </summary>
public class OpsMathFixtureTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in OpsMathFixture.Cases) data.Add(c.Case.Name);
        return data;
    }

    /// <summary>The Backprop computation for a case's op and params.</summary>
    internal static Func<Tensor[], Tensor> For(OpsMathCase m)
    {
        var c = m.Case;
        int[] axes = c.Ints("axes") ?? [];
        bool keepDim = c.Bool("keepdim");
        int correction = c.Int("correction") ?? 1;
        // A comparison with a constant has one input and the constant "c"; otherwise two tensors.
        bool constant = c.Params.TryGetProperty("c", out _);
        double k = c.Double("c", 0);
        return c.Op switch
        {
            "gelu" => x => x[0].Gelu(m.String("approximate") == "tanh" ? GeluApproximation.Tanh : GeluApproximation.None),
            "silu" => x => x[0].Silu(),
            "softplus" => x => x[0].Softplus(c.Double("beta", 1), c.Double("threshold", 20)),
            "log1p" => x => x[0].Log1p(),
            "erf" => x => x[0].Erf(),
            "sin" => x => x[0].Sin(),
            "cos" => x => x[0].Cos(),
            "eq" => x => constant ? x[0].Eq(k) : x[0].Eq(x[1]),
            "ne" => x => constant ? x[0].Ne(k) : x[0].Ne(x[1]),
            "lt" => x => constant ? x[0].Lt(k) : x[0].Lt(x[1]),
            "le" => x => constant ? x[0].Le(k) : x[0].Le(x[1]),
            "gt" => x => constant ? x[0].Gt(k) : x[0].Gt(x[1]),
            "ge" => x => constant ? x[0].Ge(k) : x[0].Ge(x[1]),
            "masked_fill" => x => x[0].MaskedFill(x[1], c.Double("value", 0)),
            "tril" => x => x[0].Tril(c.Int("diagonal") ?? 0),
            "triu" => x => x[0].Triu(c.Int("diagonal") ?? 0),
            "amax" => x => x[0].Amax(axes, keepDim),
            "amin" => x => x[0].Amin(axes, keepDim),
            // PyTorch's dim=None reduces everything, as an empty axis list does here.
            "std" => x => x[0].Std(c.Ints("axes"), correction, keepDim),
            "var" => x => x[0].Var(c.Ints("axes"), correction, keepDim),
            "cumsum" => x => x[0].Cumsum(c.Int("axis") ?? 0),
            _ => throw new ArgumentException($"no Backprop computation for fixture op '{c.Op}'"),
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var m = OpsMathFixture.Get(name);
        var c = m.Case;
        var inputs = m.Inputs();
        var f = For(m);
        if (c.Error is not null)
        {
            var e = Assert.ThrowsAny<ArgumentException>(() => f(inputs));
            Assert.Contains(c.Op, e.Message, StringComparison.Ordinal);
            return;
        }
        var y = f(inputs);
        if (m.OutputDType == "bool")
        {
            Assert.Equal(DType.Int32, y.DType);
            Assert.False(y.RequiresGrad);
        }
        EdgeCaseGradientTests.AssertMatches(c.Output!, y, $"{name}: output");
        if (!y.RequiresGrad) return;
        y.Backward(c.Upstream?.ToTensor() ?? Tensor.OnesLike(y));
        for (int i = 0; i < inputs.Length; i++)
        {
            if (c.Grads[i] is not { } expected) continue;
            var grad = inputs[i].Grad ?? Tensor.ZerosLike(inputs[i]);
            EdgeCaseGradientTests.AssertMatches(expected, grad, $"{name}: gradient of input {i}");
        }
    }

    [Fact]
    public void TheFixtureComesFromPyTorch113AndCoversEveryOperator()
    {
        Assert.StartsWith("1.13", OpsMathFixture.TorchVersion);
        var ops = OpsMathFixture.Cases.Select(c => c.Case.Op).ToHashSet();
        string[] expected =
        [
            "gelu", "silu", "softplus", "log1p", "erf", "sin", "cos", "eq", "ne", "lt", "le", "gt", "ge", "masked_fill",
            "tril", "triu", "amax", "amin", "std", "var", "cumsum",
        ];
        Assert.Empty(expected.Except(ops));
        Assert.Contains(OpsMathFixture.Cases, c => c.Case.Op == "gelu" && c.String("approximate") == "tanh");
    }

    private static bool Near(double expected, double actual) =>
        double.IsNaN(expected) || double.IsInfinity(expected) ? expected.Equals(actual) : Math.Abs(actual - expected) <= 4e-6 * Math.Max(1, Math.Abs(expected));

    [Fact]
    public void FloatResultsAgreeWithPyTorchsFloat64OnTheGrid()
    {
        // The float32 path (the fused SIMD kernels) on the fixture's ordinary values: each input is exact in float32 or
        // within half an ulp, and GELU's 1 + erf cancels for x ≤ −3, so the bound is absolute, 4e-6·max(1, |y|).
        foreach (var m in OpsMathFixture.Cases.Where(c => c.Case.Name.EndsWith(" on a grid", StringComparison.Ordinal)))
        {
            var x = m.Inputs()[0].To(DType.Float32).Detach();
            x.RequiresGrad = true;
            var y = For(m)([x]);
            Assert.Equal(DType.Float32, y.DType);
            y.Backward(Tensor.OnesLike(y));
            double[] got = y.To(DType.Float64).ToDoubleArray(), grad = x.Grad!.To(DType.Float64).ToDoubleArray();
            for (int i = 0; i < got.Length; i++)
            {
                double e = m.Case.Output!.Values[i], ge = m.Case.Grads[0]!.Values[i];
                Assert.True(Near(e, got[i]), $"{m}: float32 output [{i}] {got[i]:R}, PyTorch float64 {e:R}");
                Assert.True(Near(ge, grad[i]), $"{m}: float32 gradient [{i}] {grad[i]:R}, PyTorch float64 {ge:R}");
            }
        }
    }
}
