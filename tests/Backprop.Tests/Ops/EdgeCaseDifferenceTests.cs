namespace Backprop.Tests.Ops;

/// <summary>
/// The fixture cases where Backprop deliberately differs from PyTorch, one test each, named after the difference
/// (the reasons are in docs/edge-cases.md). Each test checks that PyTorch's recorded value really is the other one
/// (so a regenerated fixture that agrees would fail here and the entry would go), that ours is the hand-derived
/// value, and that every other element still matches PyTorch.
/// </summary>
public class EdgeCaseDifferenceTests
{
    /// <summary>The case names these tests cover; <see cref="EdgeCaseGradientTests"/> leaves them out.</summary>
    public static readonly IReadOnlySet<string> Cases = new HashSet<string>
    {
        "max with a tie", "min with a tie", "max with NaN", "max with infinities",
        "max_pool2d with NaN in a window",
        "pow_scalar 0.5 at the edges",
        "conv2d with an empty batch", "max_pool2d with an empty batch",
        "clamp with a NaN bound",
    };

    [Theory]
    [InlineData("max with a tie", new[] { 0.0, 1, 0, 0 })]
    [InlineData("min with a tie", new[] { 0.0, 1, 0, 0 })]
    [InlineData("max with NaN", new[] { 0.0, 1, 0, 0 })]
    [InlineData("max with infinities", new[] { 1.0, 0, 0 })]
    public void MaxOfAllElementsSendsTheGradientToTheFirstTieWherePyTorchSplitsIt(string name, double[] ours)
    {
        // Hand derivation: the whole gradient 1 goes to the first extreme element (the one ArgMax names); PyTorch's
        // full max()/min() divides it evenly among all tied elements (all NaNs when there is one).
        var c = EdgeCaseFixture.Get(name);
        var expected = c.Grads[0]!;
        int ties = expected.Values.Count(v => v > 0);
        Assert.True(ties > 1, $"{name}: PyTorch no longer splits the gradient");
        Assert.All(expected.Values.Where(v => v > 0), v => Assert.Equal(1.0 / ties, v, 15));
        var (output, grads) = Run(c);
        EdgeCaseGradientTests.AssertMatches(c.Output!, output, $"{name}: output");
        Assert.Equal(ours, grads[0]!.ToDoubleArray());
    }

    [Fact]
    public void MaxPoolingSendsTheGradientToTheFirstNaNOfAWindowWherePyTorchPicksTheLast()
    {
        // The window [[2, 5], [NaN, NaN]] (input elements 2, 3, 6, 7): NaN wins, and on ties the first element wins,
        // as everywhere in Backprop's max operators; PyTorch's CPU kernel lets every later NaN replace the earlier.
        var c = EdgeCaseFixture.Get("max_pool2d with NaN in a window");
        Assert.Equal((0.0, 1.0), (c.Grads[0]!.Values[6], c.Grads[0]!.Values[7]));
        var (output, grads) = Run(c);
        EdgeCaseGradientTests.AssertMatches(c.Output!, output, "output");
        AssertMatchesExcept(c.Grads[0]!, grads[0]!, new() { [6] = 1.0, [7] = 0.0 });
    }

    [Fact]
    public void PowerOneHalfAtMinusZeroAndMinusInfinityFollowsIeeePowWherePyTorchTakesSquareRoots()
    {
        // IEEE 754: pow(−∞, 0.5) = +∞, and the gradient 0.5·x^−0.5 is 0.5·pow(−0, −0.5) = +∞ at −0 and
        // 0.5·pow(−∞, −0.5) = 0 at −∞ — what PyTorch itself gives for a tensor exponent 0.5. For the Python number 0.5
        // PyTorch computes sqrt and rsqrt instead: sqrt(−∞) = NaN, rsqrt(−0) = −∞, rsqrt(−∞) = NaN.
        var c = EdgeCaseFixture.Get("pow_scalar 0.5 at the edges");
        var x = c.Inputs[0].Values;
        int minusZero = Array.FindIndex(x, v => v == 0 && double.IsNegative(v)), minusInfinity = Array.IndexOf(x, double.NegativeInfinity);
        Assert.True(double.IsNaN(c.Output!.Values[minusInfinity]));
        Assert.Equal(double.NegativeInfinity, c.Grads[0]!.Values[minusZero]);
        var (output, grads) = Run(c);
        AssertMatchesExcept(c.Output!, output, new() { [minusInfinity] = double.PositiveInfinity });
        AssertMatchesExcept(c.Grads[0]!, grads[0]!, new() { [minusZero] = double.PositiveInfinity, [minusInfinity] = 0.0 });
    }

    [Theory]
    [InlineData("conv2d with an empty batch", "Convolution batch")]
    [InlineData("max_pool2d with an empty batch", "max_pool2d: batch must be at least 1")]
    public void AnEmptyBatchIsAClearErrorWherePyTorchReturnsAnEmptyResult(string name, string message)
    {
        // The layer geometry requires at least one sample; PyTorch returns an empty [0, C, H', W'] result.
        var c = EdgeCaseFixture.Get(name);
        Assert.Equal(0, c.Output!.Shape[0]);
        var inputs = c.Inputs.Select(i => i.ToTensor()).ToArray();
        var e = Assert.ThrowsAny<ArgumentException>(() => EdgeCaseOperators.For(c)(inputs));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void ClampWithANaNBoundIsAClearErrorWherePyTorchReturnsTheInputWithNoGradient()
    {
        // PyTorch's clamp(min=nan) returns x unchanged yet passes no gradient (x ≥ NaN is false): a value and a
        // gradient that disagree. A NaN bound is a mistake, so Backprop refuses it.
        var c = EdgeCaseFixture.Get("clamp with a NaN bound");
        Assert.Equal(c.Inputs[0].Values.Take(10), c.Output!.Values.Take(10));
        Assert.All(c.Grads[0]!.Values, v => Assert.Equal(0.0, v));
        var e = Assert.Throws<ArgumentException>(() => EdgeCaseOperators.For(c)([c.Inputs[0].ToTensor()]));
        Assert.Contains("clamp: the bounds must be numbers", e.Message);
    }

    [Fact]
    public void EveryListedCaseIsInTheFixture()
    {
        foreach (var name in Cases) Assert.NotNull(EdgeCaseFixture.Get(name));
    }

    private static (Tensor Output, Tensor?[] Grads) Run(EdgeCase c)
    {
        var inputs = c.Inputs.Select(i => i.ToTensor()).ToArray();
        var y = EdgeCaseOperators.For(c)(inputs);
        y.Backward(c.Upstream?.ToTensor() ?? Tensor.OnesLike(y));
        return (y, inputs.Select(i => i.Grad).ToArray());
    }

    /// <summary>Every element as PyTorch except those listed, which must be ours — and must differ from PyTorch's.</summary>
    private static void AssertMatchesExcept(FixtureTensor torch, Tensor actual, Dictionary<int, double> ours)
    {
        var values = actual.ToDoubleArray();
        foreach (var (i, v) in ours)
        {
            Assert.False(EdgeCaseGradientTests.Close(torch.Values[i], v), $"element {i}: PyTorch now agrees ({v:R})");
            Assert.True(EdgeCaseGradientTests.Close(v, values[i]), $"element {i}: {values[i]:R}, expected {v:R}");
        }
        var rest = new FixtureTensor(torch.Shape, torch.Values.Select((v, i) => ours.ContainsKey(i) ? values[i] : v).ToArray(), false);
        EdgeCaseGradientTests.AssertMatches(rest, actual, "other elements");
    }
}
