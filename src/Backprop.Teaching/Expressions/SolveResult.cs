namespace Backprop.Teaching.Expressions;

/// <summary>How a <see cref="Solver"/> run ended.</summary>
public enum SolveStatus
{
    /// <summary>|output − target| fell within the tolerance.</summary>
    Converged,
    /// <summary>The iteration limit was reached first.</summary>
    NotConverged,
    /// <summary>The gradient with respect to the varied inputs is zero, so no step can move the output.</summary>
    ZeroGradient,
    /// <summary>A step took a value out of an operator's domain (ln or sqrt of a negative, division by zero, overflow).</summary>
    Domain,
    /// <summary>The error grew without bound or a varied value stopped being finite.</summary>
    Diverged,
    /// <summary>
    /// A second-order step is undefined or goes the wrong way: a second derivative of 0 where it divides, or a Hessian
    /// that is singular or not positive definite when minimising.
    /// </summary>
    Curvature,
}

/// <summary>How <see cref="Solver.Solve"/> steps toward the target; both are root-finding on e(w) = output(w) − target.</summary>
public enum SolveMethod
{
    /// <summary>
    /// Newton's method on e: Δw = −e / e′, the seed texts' Δw = Δz / (∂z/∂w); for several inputs the smallest step
    /// whose linearisation hits the target. Needs first derivatives only; the error squares each step near the root.
    /// </summary>
    Newton,
    /// <summary>
    /// Halley's method on e: Δw = −2·e·e′ / (2·e′² − e·e″), Newton's step corrected by the curvature e″ = ∂²output/∂w²
    /// (a second differentiation through the engine). The error cubes each step near the root. One varied input.
    /// </summary>
    Halley,
}

/// <summary>Settings of <see cref="Solver.Solve"/>.</summary>
/// <param name="Tolerance">Relative tolerance: stop when |output − target| ≤ Tolerance · max(1, |target|).</param>
/// <param name="MaxIterations">At most this many steps.</param>
/// <param name="OutputName">Which value to drive to the target (see <see cref="ProgramEvaluator.Evaluate"/>); null for the last statement.</param>
/// <param name="DivergenceFactor">Report divergence once the error is this many times the starting error.</param>
/// <param name="Method">Newton (first derivatives) or Halley (first and second).</param>
public sealed record SolveOptions(double Tolerance = 1e-9, int MaxIterations = 100, string? OutputName = null, double DivergenceFactor = 1e6,
    SolveMethod Method = SolveMethod.Newton);

/// <summary>One row of a solve: the point, the output there and the gradient used for the next step.</summary>
/// <param name="Index">0 for the starting point, then 1, 2, ... after each step.</param>
/// <param name="Values">The varied inputs' values, in the order of <see cref="SolveResult.Varied"/>.</param>
/// <param name="Output">The output at this point.</param>
/// <param name="Error">Output − target.</param>
/// <param name="Gradient">∂output/∂(each varied input) at this point, same order as <paramref name="Values"/>.</param>
/// <param name="SecondDerivative">∂²output/∂w² at this point for <see cref="SolveMethod.Halley"/>; null for Newton.</param>
public sealed record SolveIteration(int Index, IReadOnlyList<double> Values, double Output, double Error, IReadOnlyList<double> Gradient,
    double? SecondDerivative = null);

/// <summary>The outcome of <see cref="Solver.Solve"/>.</summary>
/// <param name="Status">Why the iteration stopped.</param>
/// <param name="OutputName">The name of the output that was driven to the target.</param>
/// <param name="Target">The requested output value.</param>
/// <param name="Varied">The inputs that were changed.</param>
/// <param name="Iterations">Every point visited, starting point first.</param>
/// <param name="Message">For every status but <see cref="SolveStatus.Converged"/>, one line saying what happened and where.</param>
/// <param name="Method">How each step was made.</param>
public sealed record SolveResult(
    SolveStatus Status,
    string OutputName,
    double Target,
    IReadOnlyList<string> Varied,
    IReadOnlyList<SolveIteration> Iterations,
    string? Message,
    SolveMethod Method = SolveMethod.Newton)
{
    /// <summary>Whether the output reached the target.</summary>
    public bool Converged => Status == SolveStatus.Converged;

    /// <summary>The last point evaluated: the solution when converged, else where the iteration stopped.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Solution =>
        Varied.Select((name, i) => KeyValuePair.Create(name, Iterations[^1].Values[i])).ToList();

    /// <summary>The output at <see cref="Solution"/>.</summary>
    public double Output => Iterations[^1].Output;

    /// <summary>The number of steps taken (iterations after the starting point).</summary>
    public int Steps => Iterations.Count - 1;
}
