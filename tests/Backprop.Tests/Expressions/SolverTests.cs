using Backprop.Teaching.Expressions;

namespace Backprop.Tests.Expressions;

// Expected values are derived by hand in the comments.
public class SolverTests
{
    private static SolveResult Solve(string source, double target, string vary, SolveOptions? options = null, params (string Name, double Value)[] start) =>
        Solver.Solve(Parser.Parse(source), start.ToDictionary(p => p.Name, p => p.Value), target, vary.Split(','), options);

    [Fact]
    public void OneVariableTakesOneNewtonStepOnALinearDependence()
    {
        // z is linear in w (∂z/∂w = 2y = 18): Δw = (150 − 162)/18 = −2/3, so w = 7/3 and z = 150 at once.
        SolveResult result = Solve("x = 2*w + 3*b; y = 2*b + 1; z = x*y", 150, "w", null, ("w", 3), ("b", 4));
        Assert.True(result.Converged);
        Assert.Equal(1, result.Steps);
        Assert.Equal(7.0 / 3, result.Solution.Single().Value, 12);
        Assert.Equal(150, result.Output, 9);
        Assert.Equal(12, result.Iterations[0].Error);
        Assert.Equal(18, result.Iterations[0].Gradient[0]);
    }

    [Fact]
    public void TwoVariablesConvergeToAPointOnTheTarget()
    {
        SolveResult result = Solve("x = 2*w + 3*b; y = 2*b + 1; z = x*y", 150, "w,b", null, ("w", 3), ("b", 4));
        Assert.True(result.Converged);
        double w = result.Solution[0].Value, b = result.Solution[1].Value;
        Assert.Equal(150, (2 * w + 3 * b) * (2 * b + 1), 7);
        // The first step is Δ·g/|g|² with g = (18, 63): w moves by −12·18/4293, b by −12·63/4293.
        Assert.Equal(3 - 12.0 * 18 / 4293, result.Iterations[1].Values[0], 12);
        Assert.Equal(4 - 12.0 * 63 / 4293, result.Iterations[1].Values[1], 12);
    }

    [Fact]
    public void ChainOfFunctionsFromTheNotes()
    {
        // E = sqrt(ln((X+1)²)) − 1 = sqrt(2 ln 3) − 1 = 0.4823 at X = 2; ∂E/∂X = 1/(3·sqrt(2 ln 3)) = 0.22488;
        // ΔX = 0.0177/0.22488 = 0.0787 → X = 2.0787, E = 0.4997.
        SolveResult result = Solve("A = X + 1; B = A^2; C = ln(B); D = sqrt(C); E = D - 1", 0.5, "X", null, ("X", 2));
        Assert.Equal(0.4823, result.Iterations[0].Output, 4);
        Assert.Equal(2.0787, result.Iterations[1].Values[0], 4);
        Assert.Equal(0.4997, result.Iterations[1].Output, 4);
        Assert.True(result.Converged);
        // Exact solution: 2 ln(X+1) = 1.5² → X = e^1.125 − 1.
        Assert.Equal(Math.Exp(1.125) - 1, result.Solution.Single().Value, 9);
    }

    [Fact]
    public void SquareNearTwoStepsByOneHundredth()
    {
        // Δx = (4 − 1.99²)/(2·1.99) = 0.0399/3.98 = 0.010025.
        SolveResult result = Solve("y = x^2", 4, "x", null, ("x", 1.99));
        Assert.Equal(0.0399 / 3.98, result.Iterations[1].Values[0] - 1.99, 12);
        Assert.True(result.Converged);
        Assert.Equal(2, result.Solution.Single().Value, 8);
    }

    [Fact]
    public void SquareRootOfLogConvergesToTheClosedForm()
    {
        // c = sqrt(ln x²) = sqrt(2 ln x) = 2.13 → x = exp(2.13²/2) = 9.6644.
        SolveResult result = Solve("a = x^2; b = ln(a); c = sqrt(b)", 2.13, "x", null, ("x", 2));
        Assert.True(result.Converged);
        Assert.Equal(Math.Exp(2.13 * 2.13 / 2), result.Solution.Single().Value, 8);
        Assert.Equal(9.664, result.Solution.Single().Value, 3);
    }

    [Fact]
    public void ZeroGradientIsReported()
    {
        SolveResult result = Solve("z = x*0 + y", 3, "x", null, ("x", 4), ("y", 1));
        Assert.Equal(SolveStatus.ZeroGradient, result.Status);
        Assert.Contains("zero gradient at x = 4", result.Message);
        Assert.Single(result.Iterations);
    }

    [Fact]
    public void StepOutOfTheDomainIsReportedWithTheNode()
    {
        // z = sqrt(x) at 4 is 2, ∂z/∂x = 1/4: Δx = (−1 − 2)·4 = −12 → x = −8.
        SolveResult result = Solve("z = sqrt(x)", -1, "x", null, ("x", 4));
        Assert.Equal(SolveStatus.Domain, result.Status);
        Assert.Contains("sqrt needs a non-negative argument, got x = -8", result.Message);
        Assert.Single(result.Iterations);
    }

    [Fact]
    public void DivergenceIsReported()
    {
        // exp at −5 is 0.0067 with the same slope: the step is +147 and e^142 is ~1e61 times the starting error.
        SolveResult result = Solve("z = exp(x)", 1, "x", null, ("x", -5));
        Assert.Equal(SolveStatus.Diverged, result.Status);
        Assert.StartsWith("diverged", result.Message);
    }

    [Fact]
    public void IterationLimitIsReported()
    {
        SolveResult result = Solve("a = x^2; b = ln(a); c = sqrt(b)", 2.13, "x", new SolveOptions(MaxIterations: 2), ("x", 2));
        Assert.Equal(SolveStatus.NotConverged, result.Status);
        Assert.Equal(2, result.Steps);
        Assert.Contains("not converged after 2 steps", result.Message);
    }

    [Fact]
    public void VaryingANonInputIsRejected()
    {
        var e = Assert.Throws<ProgramInputException>(() => Solve("x = 2*w; z = x*x", 1, "x", null, ("w", 1)));
        Assert.Contains("cannot vary 'x'", e.Message);
    }

    [Fact]
    public void SolveTextShowsOneRowPerIteration()
    {
        string text = SolveText.Render(Solve("y = x^2", 4, "x", null, ("x", 1.99)));
        Assert.Contains("iter", text);
        Assert.Contains("1.99", text);
        Assert.Contains("converged after 2 steps", text);
    }
}
