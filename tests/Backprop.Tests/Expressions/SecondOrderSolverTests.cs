using Backprop.Teaching.Expressions;

namespace Backprop.Tests.Expressions;

// Halley's method and minimisation; expected values are derived by hand in the comments.
public class SecondOrderSolverTests
{
    private const string Chain = "A = X + 1; B = A^2; C = ln(B); D = sqrt(C); E = D - 1";
    private const string Lecture = "x = 2*w + 3*b; y = 2*b + 1; z = x*y";

    private static SolveResult Solve(string source, double target, string vary, SolveMethod method, params (string Name, double Value)[] start) =>
        Solver.Solve(Parser.Parse(source), start.ToDictionary(p => p.Name, p => p.Value), target, vary.Split(','), new SolveOptions(Method: method));

    private static MinimizeResult Minimize(string source, string vary, MinimizeOptions options, params (string Name, double Value)[] start) =>
        Minimizer.Minimize(Parser.Parse(source), start.ToDictionary(p => p.Name, p => p.Value), vary.Split(','), options);

    [Fact]
    public void HalleyHitsTheChainTargetInFewerStepsThanNewton()
    {
        SolveResult newton = Solve(Chain, 0.5, "X", SolveMethod.Newton, ("X", 2));
        SolveResult halley = Solve(Chain, 0.5, "X", SolveMethod.Halley, ("X", 2));
        Assert.True(newton.Converged);
        Assert.True(halley.Converged);
        Assert.True(halley.Steps < newton.Steps, $"Halley {halley.Steps} steps, Newton {newton.Steps}");
        Assert.True(Math.Abs(halley.Output - 0.5) <= 1e-12, $"E = {halley.Output:R}");
        // 2 ln(X+1) = 1.5² → X = e^1.125 − 1.
        Assert.Equal(Math.Exp(1.125) - 1, halley.Solution.Single().Value, 12);
        Assert.Equal(SolveMethod.Halley, halley.Method);
        Assert.Null(newton.Iterations[0].SecondDerivative);
    }

    [Fact]
    public void HalleysFirstStepUsesTheSecondDerivativeOfTheChain()
    {
        // E = sqrt(u) − 1 with u = 2 ln(X+1): E′ = u^−½/(X+1), E″ = −(u^−3/2 + u^−½)/(X+1)².
        double u = 2 * Math.Log(3);
        double e = Math.Sqrt(u) - 1 - 0.5, first = 1 / (Math.Sqrt(u) * 3), second = -(Math.Pow(u, -1.5) + Math.Pow(u, -0.5)) / 9;
        SolveResult result = Solve(Chain, 0.5, "X", SolveMethod.Halley, ("X", 2));
        Assert.Equal(first, result.Iterations[0].Gradient[0], 14);
        Assert.Equal(second, result.Iterations[0].SecondDerivative!.Value, 14);
        Assert.Equal(2 - 2 * e * first / (2 * first * first - e * second), result.Iterations[1].Values[0], 13);
    }

    [Fact]
    public void HalleyOnTheLectureExampleVaryingB()
    {
        // z = (6 + 3b)(2b + 1) = 6b² + 15b + 6: ∂²z/∂b² = 12; z = 150 at b = (−15 + √3681)/12.
        SolveResult newton = Solve(Lecture, 150, "b", SolveMethod.Newton, ("w", 3), ("b", 4));
        SolveResult halley = Solve(Lecture, 150, "b", SolveMethod.Halley, ("w", 3), ("b", 4));
        Assert.True(halley.Converged);
        Assert.True(halley.Steps < newton.Steps, $"Halley {halley.Steps} steps, Newton {newton.Steps}");
        Assert.All(halley.Iterations, row => Assert.Equal(12, row.SecondDerivative));
        Assert.Equal((-15 + Math.Sqrt(3681)) / 12, halley.Solution.Single().Value, 12);
    }

    [Fact]
    public void HalleyIsNewtonWhereTheSecondDerivativeIsZero()
    {
        // z is linear in w: e″ = 0, so Halley's step −2·e·e′/(2·e′²) is Newton's −e/e′, one step to w = 7/3.
        SolveResult halley = Solve(Lecture, 150, "w", SolveMethod.Halley, ("w", 3), ("b", 4));
        Assert.Equal(1, halley.Steps);
        Assert.Equal(0, halley.Iterations[0].SecondDerivative);
        Assert.Equal(7.0 / 3, halley.Solution.Single().Value, 12);
    }

    [Fact]
    public void HalleyWithTwoInputsIsRejected()
    {
        var e = Assert.Throws<ProgramInputException>(() => Solve(Lecture, 150, "w,b", SolveMethod.Halley, ("w", 3), ("b", 4)));
        Assert.Contains("Halley's method varies one input", e.Message);
    }

    [Fact]
    public void HalleysUndefinedStepIsACurvatureStall()
    {
        // y = x² at x = 1 with target −3: e = 4, e′ = 2, e″ = 2, so 2·e′² − e·e″ = 8 − 8 = 0.
        SolveResult result = Solve("y = x^2", -3, "x", SolveMethod.Halley, ("x", 1));
        Assert.Equal(SolveStatus.Curvature, result.Status);
        Assert.Contains("Halley's step is undefined at x = 1", result.Message);
    }

    [Fact]
    public void NewtonMinimisesTheQuadraticBowlInOneStep()
    {
        // f = (w − 3)² + 2(b + 1)²: ∇f = (2(w − 3), 4(b + 1)), H = [[2, 0], [0, 4]]; one step from anywhere.
        MinimizeResult result = Minimize("f = (w - 3)^2 + 2*(b + 1)^2", "w,b", new MinimizeOptions(MinimizeMethod.Newton), ("w", 0), ("b", 0));
        Assert.True(result.Converged);
        Assert.Equal(1, result.Steps);
        Assert.Equal(3, result.Solution[0].Value, 12);
        Assert.Equal(-1, result.Solution[1].Value, 12);
        double[,] h = result.Iterations[0].Hessian!;
        Assert.Equal(new double[,] { { 2, 0 }, { 0, 4 } }, h);
        Assert.Equal([-6.0, 4.0], result.Iterations[0].Gradient);
        Assert.Null(result.LearningRate);
    }

    [Fact]
    public void GradientDescentOnTheBowlTakesTheStepsTheContractionPredicts()
    {
        // With lr = 0.1, w − 3 shrinks by 1 − 0.2 = 0.8 per step and b + 1 by 1 − 0.4 = 0.6, so after k steps
        // ∇f = (−6·0.8ᵏ, 4·0.6ᵏ); the first k with |∇f| ≤ 1e-9 is where it stops.
        MinimizeResult result = Minimize("f = (w - 3)^2 + 2*(b + 1)^2", "w,b", new MinimizeOptions(LearningRate: 0.1), ("w", 0), ("b", 0));
        int expected = 0;
        while (Math.Sqrt(Math.Pow(6 * Math.Pow(0.8, expected), 2) + Math.Pow(4 * Math.Pow(0.6, expected), 2)) > 1e-9)
            expected++;
        Assert.True(result.Converged);
        Assert.Equal(expected, result.Steps);
        Assert.Equal(0.6, result.Iterations[1].Values[0], 14);
        Assert.Equal(-0.4, result.Iterations[1].Values[1], 14);
        Assert.True(result.Iterations[^1].GradientNorm <= 1e-9);
        Assert.Null(result.Iterations[0].Hessian);
    }

    [Fact]
    public void NewtonOnARosenbrockValley()
    {
        // f = (1 − x)² + 10(y − x²)² at (−1, 1): ∇f = (−4, 0), H = [[82, 40], [40, 20]], so Δ = (2, −4) and the
        // first step lands on (1, −3); the minimum is (1, 1).
        MinimizeResult result = Minimize("f = (1 - x)^2 + 10*(y - x^2)^2", "x,y", new MinimizeOptions(MinimizeMethod.Newton), ("x", -1), ("y", 1));
        Assert.Equal(new double[,] { { 82, 40 }, { 40, 20 } }, result.Iterations[0].Hessian!);
        Assert.Equal(1, result.Iterations[1].Values[0], 12);
        Assert.Equal(-3, result.Iterations[1].Values[1], 12);
        Assert.True(result.Converged);
        Assert.Equal(1, result.Solution[0].Value, 12);
        Assert.Equal(1, result.Solution[1].Value, 12);
    }

    [Fact]
    public void NewtonInOneVariableDividesBySecondDerivative()
    {
        // f = x − ln x: f′ = 1 − 1/x, f″ = 1/x², so x ← x − (x² − x) = 2x − x²: 0.5, 0.75, 0.9375, 0.99609375, ...
        MinimizeResult result = Minimize("f = x - ln(x)", "x", new MinimizeOptions(MinimizeMethod.Newton), ("x", 0.5));
        Assert.True(result.Converged);
        double x = 0.5;
        foreach (MinimizeIteration row in result.Iterations)
        {
            Assert.Equal(x, row.Values[0], 14);
            Assert.Equal(1 / (x * x), row.Hessian![0, 0], 12);
            x = 2 * x - x * x;
        }
        Assert.Equal(1, result.Solution.Single().Value, 9);
    }

    [Theory]
    [InlineData(Lecture, "w", "the second derivative is 0 (the output is straight there) at w = 3: ∂²z/∂w² = 0")]
    [InlineData(Lecture, "w,b", "the Hessian is not positive definite (eigenvalues -1.211102551, 13.21110255) at w = 3, b = 4: H = ∂²z/∂(w, b)² = [[0, 4], [4, 12]]")]
    [InlineData("f = w^2 + 0*b", "w,b", "the Hessian is singular (eigenvalues 0, 2) at w = 3, b = 4")]
    [InlineData("f = -w^2 + 0*b", "w", "the second derivative is negative (the output curves down, toward a maximum) at w = 3: ∂²f/∂w² = -2")]
    public void NewtonStopsWhereTheCurvatureGivesNoDescent(string program, string vary, string message)
    {
        // The lecture example's Hessian [[0, 4], [4, 12]] has eigenvalues 6 ± √52.
        MinimizeResult result = Minimize(program, vary, new MinimizeOptions(MinimizeMethod.Newton), ("w", 3), ("b", 4));
        Assert.Equal(SolveStatus.Curvature, result.Status);
        Assert.Equal(0, result.Steps);
        Assert.StartsWith(message, result.Message);
    }

    [Fact]
    public void TooLargeALearningRateDiverges()
    {
        // b + 1 is multiplied by 1 − 0.6·4 = −1.4 per step.
        MinimizeResult result = Minimize("f = (w - 3)^2 + 2*(b + 1)^2", "w,b", new MinimizeOptions(LearningRate: 0.6), ("w", 0), ("b", 0));
        Assert.Equal(SolveStatus.Diverged, result.Status);
        Assert.Contains("try a smaller learning rate", result.Message);
    }

    [Fact]
    public void IterationLimitIsReported()
    {
        MinimizeResult result = Minimize("f = (w - 3)^2", "w", new MinimizeOptions(LearningRate: 0.01, MaxIterations: 5), ("w", 0));
        Assert.Equal(SolveStatus.NotConverged, result.Status);
        Assert.Equal(5, result.Steps);
        Assert.StartsWith("not converged after 5 steps", result.Message);
    }

    [Fact]
    public void ALinearOutputHasNoMinimumAndSaysSo()
    {
        // z = 9(2w + 12): ∂z/∂w = 18 at every w, so gradient descent walks down forever.
        MinimizeResult result = Minimize(Lecture, "w", new MinimizeOptions(MaxIterations: 20), ("w", 3), ("b", 4));
        Assert.Equal(SolveStatus.NotConverged, result.Status);
        Assert.Equal(3 - 20 * 0.1 * 18, result.Solution.Single().Value, 10);
        Assert.Contains("z fell at every step while its gradient did not shrink, so it may have no minimum", result.Message);
        // A bowl that is merely slow is not called unbounded.
        MinimizeResult slow = Minimize("f = (w - 3)^2", "w", new MinimizeOptions(LearningRate: 0.01, MaxIterations: 5), ("w", 0));
        Assert.DoesNotContain("no minimum", slow.Message);
    }

    [Fact]
    public void AStepOutOfTheDomainIsReported()
    {
        // From x = 3 Newton's step on x − ln x is −(x² − x) = −6, to x = −3.
        MinimizeResult result = Minimize("f = x - ln(x)", "x", new MinimizeOptions(MinimizeMethod.Newton), ("x", 3));
        Assert.Equal(SolveStatus.Domain, result.Status);
        Assert.Contains("step 1 left the domain at x = -3", result.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void ANonPositiveLearningRateIsRejected(double lr)
    {
        Assert.Throws<ArgumentException>(() => Minimize("f = w^2", "w", new MinimizeOptions(LearningRate: lr), ("w", 1)));
    }

    [Fact]
    public void MinimizeTextShowsTheMethodAndOneRowPerIteration()
    {
        MinimizeResult result = Minimize("f = (w - 3)^2 + 2*(b + 1)^2", "w,b", new MinimizeOptions(MinimizeMethod.Newton), ("w", 0), ("b", 0));
        string[] lines = MinimizeText.Render(result).TrimEnd().Split('\n');
        Assert.StartsWith("minimising f by varying w, b; Newton's method: each step solves H·Δ = −∇f", lines[0]);
        Assert.Matches(@"^\s+0\s+0\s+0\s+11\s+-6\.000e\+00\s+4\.000e\+00$", lines[2]);
        Assert.Matches(@"^\s+1\s+3\s+-1\s", lines[3]);
        Assert.StartsWith("converged after 1 step", lines[4]);
    }
}
