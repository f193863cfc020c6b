namespace Backprop.Tests.Autograd;

/// <summary>
/// The checker itself: an element passes only when both derivatives are finite and agree. Expected values are
/// derived by hand: d√x/dx = 1/(2√x), d(1/x)/dx = −1/x², and the central difference (f(x+ε) − f(x−ε)) / 2ε.
/// </summary>
public class GradCheckTests
{
    [Fact]
    public void Agreeing_finite_derivatives_pass()
    {
        // √x at 0.25: analytic 1/(2·0.5) = 1.
        var result = GradCheck.Check(x => x[0].Sqrt(), [Tensor.Scalar(0.25)]);
        Assert.True(result.Passed, result.ToString());
        Assert.Equal(1.0, result.Inputs[0].Analytic, 12);
        Assert.Equal(1.0, result.Inputs[0].Numeric, 6);
    }

    [Fact]
    public void NaN_numerical_derivative_against_finite_analytic_fails()
    {
        // √x at 1e-7 with ε = 1e-6: x − ε < 0, so f(x − ε) and the central difference are NaN, while the analytic
        // 1/(2√1e-7) ≈ 1581.1 is finite. The second element (√ at 4: 1/4 both ways) is fine. Summed, so that the
        // output is a scalar and the gradients are not weighted.
        var result = GradCheck.Check(x => x[0].Sqrt().Sum(), [Tensor.FromArray(new[] { 1e-7, 4.0 }, 2)]);
        Assert.False(result.Passed, result.ToString());
        var report = result.Inputs[0];
        Assert.False(report.Passed);
        Assert.Equal([0], report.WorstIndex);
        Assert.Equal(1 / (2 * Math.Sqrt(1e-7)), report.Analytic, 6);
        Assert.True(double.IsNaN(report.Numeric));
        Assert.Equal(double.PositiveInfinity, report.MaxAbsError);
        Assert.Equal(double.PositiveInfinity, result.MaxRelError);
        Assert.Contains("FAILED", result.ToString());
    }

    [Fact]
    public void Infinite_numerical_derivative_against_finite_analytic_fails()
    {
        // 1/x at 0.5 with ε = 0.5: f(0) = +∞, so the central difference (1 − ∞) / 1 = −∞; analytic −1/0.25 = −4.
        var result = GradCheck.Check(x => 1.0 / x[0], [Tensor.Scalar(0.5)], epsilon: 0.5);
        Assert.False(result.Passed, result.ToString());
        Assert.Equal(-4.0, result.Inputs[0].Analytic, 12);
        Assert.Equal(double.NegativeInfinity, result.Inputs[0].Numeric);
        Assert.Equal(double.PositiveInfinity, result.MaxAbsError);
    }

    [Fact]
    public void NaN_analytic_derivative_against_finite_numerical_fails()
    {
        // √(x·x) = |x| at 0: the central difference is (ε − ε) / 2ε = 0, but the backward pass multiplies
        // d√u/du = 1/(2·0) = ∞ by du/dx = 2·0, which is NaN.
        var result = GradCheck.Check(x => (x[0] * x[0]).Sqrt(), [Tensor.Scalar(0.0)]);
        Assert.False(result.Passed, result.ToString());
        Assert.True(double.IsNaN(result.Inputs[0].Analytic));
        Assert.Equal(0.0, result.Inputs[0].Numeric);
    }

    [Fact]
    public void Both_NaN_outside_the_domain_fails_because_nothing_was_verified()
    {
        // √x at −1: f is NaN around the point and so are both derivatives.
        var result = GradCheck.Check(x => x[0].Sqrt(), [Tensor.Scalar(-1.0)]);
        Assert.False(result.Passed, result.ToString());
        Assert.True(double.IsNaN(result.Inputs[0].Analytic) && double.IsNaN(result.Inputs[0].Numeric));
    }
}
