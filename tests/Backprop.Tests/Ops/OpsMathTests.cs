namespace Backprop.Tests.Ops;

/// <summary>
/// What the PyTorch fixture cannot show: the dtypes of results, that masks record no gradient, float32 behaviour,
/// the error messages for misuse, and operators used together as a GPT does (a causal mask). Expected values are
/// derived by hand in each test.
/// </summary>
public class OpsMathTests
{
    [Fact]
    public void ComparisonsAreInt32MasksWithoutAGraph()
    {
        var a = Tensor.FromArray(new[] { 1f, 2f, 3f });
        a.RequiresGrad = true;
        var m = a.Gt(Tensor.FromArray(new[] { 2f }));
        Assert.Equal(DType.Int32, m.DType);
        Assert.Null(m.GradFn);
        Assert.Equal([0, 0, 1], m.ToArray<int>());
        Assert.Equal([1, 1, 0], a.Le(2).ToArray<int>());
    }

    [Fact]
    public void AFloat32TensorMeetsAConstantRoundedToFloat32()
    {
        // 0.1 is not a float32: compared in float64, 0.1f ≠ 0.1; PyTorch rounds the constant to the tensor's dtype, so equal.
        var x = Tensor.FromArray(new[] { 0.1f });
        Assert.Equal([1], x.Eq(0.1).ToArray<int>());
        Assert.Equal([0], x.To(DType.Float64).Eq(0.1).ToArray<int>());
    }

    [Fact]
    public void Int32TensorsCompareExactlyAsIntegers()
    {
        // 16,777,217 = 2²⁴ + 1 is not a float32; integers must not be compared in float32.
        var a = Tensor.FromArray(new[] { 16_777_217, 5 });
        var b = Tensor.FromArray(new[] { 16_777_216, 5 });
        Assert.Equal([1, 0], a.Ne(b).ToArray<int>());
        Assert.Equal([1, 1], a.Ge(b).ToArray<int>());
    }

    [Fact]
    public void ACausalMaskFromTrilMaskedFillAndSoftmax()
    {
        // Scores of ones under a lower-triangular mask: row i attends to i + 1 positions equally, 1/(i + 1) each.
        int t = 4;
        var causal = Tensor.Ones(t, t).Tril();
        var scores = Tensor.Ones(t, t);
        scores.RequiresGrad = true;
        var attention = scores.MaskedFill(causal.Eq(0), double.NegativeInfinity).Softmax();
        var p = attention.ToArray<float>();
        for (int i = 0; i < t; i++)
            for (int j = 0; j < t; j++)
                Assert.Equal(j <= i ? 1f / (i + 1) : 0f, p[i * t + j], 6);
        attention.Sum().Backward();
        // The filled positions get a zero gradient, not NaN (−∞ came from a fill, not from the scores).
        Assert.All(scores.Grad!.ToArray<float>(), g => Assert.False(float.IsNaN(g)));
    }

    [Fact]
    public void MaskedFillKeepsTheFloat32DtypeAndAcceptsAnyMaskDtype()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f, 3f });
        Assert.Equal(DType.Float32, x.MaskedFill(Tensor.FromArray(new[] { 1e-50, 0, 0 }), 9).DType);
        // A float64 mask value too small for float32 is still non-zero: it must fill.
        Assert.Equal([9f, 2f, 3f], x.MaskedFill(Tensor.FromArray(new[] { 1e-50, 0, 0 }), 9).ToArray<float>());
        Assert.Equal([1f, 9f, 9f], x.MaskedFill(Tensor.FromArray(new[] { 0, 2, -1 }), 9).ToArray<float>());
    }

    [Fact]
    public void TrilAndTriuWorkOnInt32Tensors()
    {
        var m = Tensor.FromArray(new[] { 1, 2, 3, 4 }, 2, 2);
        Assert.Equal([1, 0, 3, 4], m.Tril().ToArray<int>());
        Assert.Equal([1, 2, 0, 4], m.Triu().ToArray<int>());
        Assert.Equal(DType.Int32, m.Tril().DType);
    }

    [Fact]
    public void AmaxSplitsTheGradientWhereMaxSendsItToTheFirst()
    {
        // [3, 1, 3]: amax gives each tie 1/2; max gives all of it to index 0 (the project's rule for max, like ArgMax).
        var a = Tensor.FromArray(new[] { 3.0, 1.0, 3.0 });
        a.RequiresGrad = true;
        a.Amax().Backward();
        Assert.Equal([0.5, 0, 0.5], a.Grad!.ToDoubleArray());
        var b = Tensor.FromArray(new[] { 3.0, 1.0, 3.0 });
        b.RequiresGrad = true;
        b.Max().Backward();
        Assert.Equal([1.0, 0, 0], b.Grad!.ToDoubleArray());
    }

    [Fact]
    public void CumsumOfAFloat32PrefixAccumulatesInDouble()
    {
        // 2²⁴ + 1 + 1: float32 accumulation would stay at 2²⁴ (each +1 rounds away); double gives 16,777,218 exactly.
        var x = Tensor.FromArray(new[] { 16_777_216f, 1f, 1f });
        Assert.Equal([16_777_216f, 16_777_216f, 16_777_218f], x.Cumsum(0).ToArray<float>());
    }

    [Fact]
    public void GeluAndSiluModulesDescribeThemselvesAndComputeTheOperators()
    {
        var x = Tensor.FromArray(new[] { -1.5f, 0f, 2f });
        Assert.Equal("GELU", new Backprop.NN.GELU().Describe());
        Assert.Equal("GELU(approximate=tanh)", new Backprop.NN.GELU(GeluApproximation.Tanh).Describe());
        Assert.Equal("SiLU", new Backprop.NN.SiLU().ToString());
        Assert.Equal(x.Gelu().ToArray<float>(), new Backprop.NN.GELU().Forward(x).ToArray<float>());
        Assert.Equal(x.Gelu(GeluApproximation.Tanh).ToArray<float>(), new Backprop.NN.GELU(GeluApproximation.Tanh).Forward(x).ToArray<float>());
        Assert.Equal(x.Silu().ToArray<float>(), new Backprop.NN.SiLU().Forward(x).ToArray<float>());
        Assert.Empty(new Backprop.NN.GELU().Parameters());
    }

    [Fact]
    public void GeluForwardAndBackwardAreBitIdenticalForAnyThreadCount()
    {
        var x = Tensor.Randn([768, 512], new Generator(3));
        var g = Tensor.Randn([768, 512], new Generator(4));
        (float[] Y, float[] D) Run()
        {
            var leaf = x.Detach();
            leaf.RequiresGrad = true;
            var y = leaf.Gelu();
            y.Backward(g);
            return (y.ToArray<float>(), leaf.Grad!.ToArray<float>());
        }
        var one = Kernels.WithThreads.Run(1, Run);
        var two = Kernels.WithThreads.Run(2, Run);
        Assert.Equal(one.Y, two.Y);
        Assert.Equal(one.D, two.D);
    }

    public static TheoryData<string, string[]> Misuse() => new()
    {
        { "gelu-int", ["gelu", "int32", "[3]"] },
        { "silu-int", ["silu", "int32"] },
        { "erf-int", ["erf", "int32"] },
        { "masked-fill-shapes", ["masked_fill", "[3, 4]", "[3]"] },
        { "masked-fill-int", ["masked_fill", "int32"] },
        { "tril-1d", ["tril", "[3]", "at least 2 axes"] },
        { "amax-axis", ["amax", "axis 2", "rank 2"] },
        { "amax-empty", ["amax", "size 0", "[2, 0]"] },
        { "cumsum-axis", ["cumsum", "axis -3", "rank 2"] },
        { "std-axis", ["std", "axis 5"] },
        { "var-axis", ["var", "axis -4"] },
        { "eq-shapes", ["eq", "[2, 3]", "[4]"] },
        { "softplus-beta", ["softplus", "beta", "0"] },
    };

    [Theory]
    [MemberData(nameof(Misuse))]
    public void MisuseGivesAMessageNamingTheOperatorAndShapes(string what, string[] expected)
    {
        var ints = Tensor.FromArray(new[] { 1, 2, 3 });
        var m = Tensor.Zeros(3, 4);
        Action act = what switch
        {
            "gelu-int" => () => ints.Gelu(),
            "silu-int" => () => ints.Silu(),
            "erf-int" => () => ints.Erf(),
            "masked-fill-shapes" => () => m.MaskedFill(Tensor.Ones(3), 0),
            "masked-fill-int" => () => ints.MaskedFill(ints, 0),
            "tril-1d" => () => Tensor.Ones(3).Tril(),
            "amax-axis" => () => m.Amax(2),
            "amax-empty" => () => Tensor.Zeros(2, 0).Amax(1),
            "cumsum-axis" => () => m.Cumsum(-3),
            "std-axis" => () => m.Std(5),
            "var-axis" => () => m.Var(-4),
            "eq-shapes" => () => Tensor.Zeros(2, 3).Eq(Tensor.Zeros(4)),
            "softplus-beta" => () => m.Softplus(beta: 0),
            _ => throw new ArgumentException(what),
        };
        var e = Assert.ThrowsAny<ArgumentException>(act);
        Assert.DoesNotContain('\n', e.Message);
        foreach (var s in expected) Assert.Contains(s, e.Message, StringComparison.Ordinal);
    }
}
