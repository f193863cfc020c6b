namespace Backprop.Teaching.Expressions;

/// <summary>How <see cref="Minimizer.Minimize"/> steps downhill.</summary>
public enum MinimizeMethod
{
    /// <summary>Gradient descent: θ ← θ − lr·∇f. First derivatives only; the error shrinks by a constant factor per step.</summary>
    GradientDescent,
    /// <summary>
    /// Newton's method on ∇f = 0: Δ = −f′/f″ for one input, the solution of H·Δ = −∇f for several (H the Hessian, from
    /// differentiating the recorded gradient again). Exact in one step on a quadratic bowl; needs H positive definite.
    /// </summary>
    Newton,
}

/// <summary>Settings of <see cref="Minimizer.Minimize"/>.</summary>
/// <param name="Method">Gradient descent or Newton.</param>
/// <param name="LearningRate">Gradient descent's step size lr (positive); unused by Newton.</param>
/// <param name="GradientTolerance">Stop when |∇f| (the Euclidean norm over the varied inputs) ≤ this.</param>
/// <param name="MaxIterations">At most this many steps.</param>
/// <param name="OutputName">Which value to minimise (see <see cref="ProgramEvaluator.Evaluate"/>); null for the last statement.</param>
/// <param name="DivergenceFactor">Report divergence once |∇f| is this many times its starting value.</param>
public sealed record MinimizeOptions(
    MinimizeMethod Method = MinimizeMethod.GradientDescent,
    double LearningRate = 0.1,
    double GradientTolerance = 1e-9,
    int MaxIterations = 1000,
    string? OutputName = null,
    double DivergenceFactor = 1e6);

/// <summary>One row of a minimisation: the point, the output, the gradient there and, for Newton, the Hessian.</summary>
/// <param name="Index">0 for the starting point, then 1, 2, ... after each step.</param>
/// <param name="Values">The varied inputs' values, in the order of <see cref="MinimizeResult.Varied"/>.</param>
/// <param name="Output">The output at this point.</param>
/// <param name="Gradient">∂output/∂(each varied input), same order as <paramref name="Values"/>.</param>
/// <param name="GradientNorm">|∇f|, what the stopping rule looks at.</param>
/// <param name="Hessian">∂²output/∂θᵢ∂θⱼ for Newton (row i, column j); null for gradient descent.</param>
public sealed record MinimizeIteration(
    int Index,
    IReadOnlyList<double> Values,
    double Output,
    IReadOnlyList<double> Gradient,
    double GradientNorm,
    double[,]? Hessian);

/// <summary>The outcome of <see cref="Minimizer.Minimize"/>.</summary>
/// <param name="Status">Why the iteration stopped; <see cref="SolveStatus.Converged"/> when |∇f| reached the tolerance.</param>
/// <param name="Method">How each step was made.</param>
/// <param name="OutputName">The name of the output that was minimised.</param>
/// <param name="Varied">The inputs that were changed.</param>
/// <param name="LearningRate">The step size for gradient descent; null for Newton.</param>
/// <param name="Iterations">Every point visited, starting point first.</param>
/// <param name="Message">For every status but converged, one line saying what happened and where.</param>
public sealed record MinimizeResult(
    SolveStatus Status,
    MinimizeMethod Method,
    string OutputName,
    IReadOnlyList<string> Varied,
    double? LearningRate,
    IReadOnlyList<MinimizeIteration> Iterations,
    string? Message)
{
    /// <summary>Whether the gradient reached the tolerance (a stationary point; for Newton with H positive definite, a minimum).</summary>
    public bool Converged => Status == SolveStatus.Converged;

    /// <summary>The last point evaluated.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Solution =>
        Varied.Select((name, i) => KeyValuePair.Create(name, Iterations[^1].Values[i])).ToList();

    /// <summary>The output at <see cref="Solution"/>.</summary>
    public double Output => Iterations[^1].Output;

    /// <summary>The number of steps taken.</summary>
    public int Steps => Iterations.Count - 1;
}
