namespace Backprop.Tests.Ops;

/// <summary>
/// Every operator at the edges of its domain — 0, ±∞, NaN, ties, empty tensors, size-1 broadcast axes — against
/// PyTorch: the expected forward values and gradients are PyTorch's own (float64), computed once by
/// <c>tools/fixtures/edge_gradients.py</c> into <c>Fixtures/edge_gradients.json</c>. NaN must meet NaN, an infinity
/// the same infinity, any other number PyTorch's within a tight tolerance. Where PyTorch refuses an input, Backprop
/// must refuse it too, with an <see cref="ArgumentException"/> that names the operator. The few deliberate
/// differences are tested, under names that say what differs, by <see cref="EdgeCaseDifferenceTests"/>.
/// </summary>
public class EdgeCaseGradientTests
{
    private const double AbsoluteTolerance = 1e-12, RelativeTolerance = 1e-10;

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in EdgeCaseFixture.Cases)
            if (!EdgeCaseDifferenceTests.Cases.Contains(c.Name)) data.Add(c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var c = EdgeCaseFixture.Get(name);
        var inputs = c.Inputs.Select(i => i.ToTensor()).ToArray();
        var f = EdgeCaseOperators.For(c);
        if (c.Error is not null)
        {
            var e = Assert.ThrowsAny<ArgumentException>(() => f(inputs));
            Assert.Contains(c.Op.Split('_')[0], e.Message, StringComparison.OrdinalIgnoreCase);
            return;
        }
        var y = f(inputs);
        AssertMatches(c.Output!, y, $"{name}: output");
        if (!y.RequiresGrad) return;
        y.Backward(c.Upstream?.ToTensor() ?? Tensor.OnesLike(y));
        for (int i = 0; i < inputs.Length; i++)
        {
            if (c.Grads[i] is not { } expected) continue;
            var grad = inputs[i].Grad ?? Tensor.ZerosLike(inputs[i]);
            AssertMatches(expected, grad, $"{name}: gradient of input {i}");
        }
    }

    [Fact]
    public void TheFixtureComesFromPyTorch113AndCoversEveryOperator()
    {
        Assert.StartsWith("1.13", EdgeCaseFixture.TorchVersion);
        var ops = EdgeCaseFixture.Cases.Select(c => c.Op).ToHashSet();
        string[] expected =
        [
            "neg", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "square", "add", "sub", "mul", "div", "pow",
            "maximum", "minimum", "add_scalar", "scalar_add", "sub_scalar", "scalar_sub", "mul_scalar", "scalar_mul",
            "div_scalar", "scalar_div", "pow_scalar", "maximum_scalar", "minimum_scalar", "clamp", "where", "sum", "mean",
            "var", "max", "min", "softmax", "log_softmax", "cross_entropy", "mse", "bce_with_logits", "matmul", "linear",
            "conv2d", "max_pool2d", "reshape", "expand", "permute", "transpose", "squeeze", "unsqueeze", "flatten", "slice",
            "index_select", "gather", "concat", "stack", "to_float32", "greater", "argmax", "argmin", "sum_to", "narrow", "t",
            "clone", "batch_norm",
        ];
        Assert.Empty(expected.Except(ops));
    }

    [Fact]
    public void AComparisonThatShouldFailDoes()
    {
        // The comparison must tell NaN from a number and the infinities apart, or the fixture checks nothing.
        var expected = new FixtureTensor([3], [double.NaN, double.PositiveInfinity, 1.0], false);
        Assert.ThrowsAny<Exception>(() => AssertMatches(expected, Tensor.FromArray(new[] { 0.0, double.PositiveInfinity, 1.0 }), "nan"));
        Assert.ThrowsAny<Exception>(() => AssertMatches(expected, Tensor.FromArray(new[] { double.NaN, double.NegativeInfinity, 1.0 }), "inf"));
        Assert.ThrowsAny<Exception>(() => AssertMatches(expected, Tensor.FromArray(new[] { double.NaN, double.PositiveInfinity, 1.0 + 1e-8 }), "tolerance"));
        AssertMatches(expected, Tensor.FromArray(new[] { double.NaN, double.PositiveInfinity, 1.0 }), "equal");
    }

    internal static bool Close(double expected, double actual)
    {
        if (double.IsNaN(expected) || double.IsNaN(actual)) return double.IsNaN(expected) && double.IsNaN(actual);
        if (double.IsInfinity(expected) || double.IsInfinity(actual)) return expected == actual;
        return Math.Abs(expected - actual) <= AbsoluteTolerance + RelativeTolerance * Math.Abs(expected);
    }

    internal static void AssertMatches(FixtureTensor expected, Tensor actual, string what)
    {
        Assert.True(expected.Shape.SequenceEqual(actual.Shape.ToArray()),
            $"{what}: shape [{string.Join(",", actual.Shape.ToArray())}], PyTorch [{string.Join(",", expected.Shape)}]");
        var values = actual.To(DType.Float64).ToDoubleArray();
        var wrong = Enumerable.Range(0, values.Length).Where(i => !Close(expected.Values[i], values[i]))
            .Select(i => $"[{i}] {values[i]:R} (PyTorch {expected.Values[i]:R})").ToList();
        Assert.True(wrong.Count == 0, $"{what}: {wrong.Count} of {values.Length} elements differ: {string.Join("; ", wrong.Take(12))}");
    }
}
