namespace Backprop.Tests.Ops;

/// <summary>
/// aᵇ at a = 0 against central differences (the independent reference of <see cref="GradCheck"/>), wherever they are
/// meaningful: 0^(b ± ε) = 0 for b &gt; 0, so ∂/∂b is 0 there; (±ε)⁰ = 1, so ∂/∂a is 0 at b = 0; (±ε)ᵇ for an
/// integer b &gt; 0 is the ordinary derivative. Not here, because a difference there is not a derivative: ∂/∂b at
/// a = 0, b = 0 (0^−ε = ∞) and ∂/∂a for a fractional b (a negative base) — those come from PyTorch's fixture
/// (<see cref="EdgeCaseGradientTests"/>).
/// </summary>
public class EdgeCasePowGradCheckTests
{
    [Fact]
    public void BothGradientsAtBaseZeroForPositiveIntegerExponents()
    {
        var result = GradCheck.Check(x => x[0].Pow(x[1]), [Tensor.FromArray(new[] { 0.0, 0.0, 0.0 }), Tensor.FromArray(new[] { 1.0, 2.0, 3.0 })]);
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void ExponentGradientAtBaseZeroForFractionalExponents()
    {
        var zeros = Tensor.FromArray(new[] { 0.0, 0.0, 0.0 });
        var result = GradCheck.Check(x => zeros.Pow(x[0]), [Tensor.FromArray(new[] { 0.5, 1.5, 2.5 })]);
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void BaseGradientForExponentZero()
    {
        var exponent = Tensor.FromArray(new[] { 0.0, 0.0, 0.0 });
        var result = GradCheck.Check(x => x[0].Pow(exponent), [Tensor.FromArray(new[] { 0.0, 1.0, -2.0 })]);
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void ConstantExponentZeroAndPositiveIntegersAtZero()
    {
        foreach (double s in new[] { 0.0, 1.0, 2.0, 3.0 })
        {
            var result = GradCheck.Check(x => x[0].Pow(s), [Tensor.FromArray(new[] { 0.0, -0.0, 1.5 })]);
            Assert.True(result.Passed, $"x^{s}: {result}");
        }
    }
}
