using System.Globalization;

namespace Backprop.Teaching.Expressions;

/// <summary>
/// Finds inputs that minimise a program's output. Gradient descent steps θ ← θ − lr·∇f, one backward pass per step.
/// Newton's method solves ∇f = 0: it differentiates the recorded gradient again (the engine's double backward) for
/// the Hessian H and steps Δ = −f′/f″ (one input) or solves H·Δ = −∇f (several). Both stop when |∇f| is within the
/// tolerance.
/// </summary>
public static class Minimizer
{
    /// <summary>Runs the iteration from <paramref name="start"/> until |∇f| is within tolerance or a stall is detected.</summary>
    /// <param name="program">A parsed program.</param>
    /// <param name="start">Values for every input; the varied ones are where the search starts.</param>
    /// <param name="vary">The inputs to change (at least one); the others stay fixed.</param>
    /// <param name="options">Method, step size, tolerance, iteration limit, output choice; defaults when null.</param>
    /// <returns>The iterations and how they ended. Stalls (domain, divergence, curvature, iteration limit) are results, not exceptions.</returns>
    /// <exception cref="ProgramInputException">Missing or unknown inputs, or a varied name that is not an input.</exception>
    /// <exception cref="ProgramDomainException">The starting point itself is outside an operator's domain.</exception>
    public static MinimizeResult Minimize(ProgramSyntax program, IReadOnlyDictionary<string, double> start, IReadOnlyList<string> vary,
        MinimizeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(vary);
        options ??= new MinimizeOptions();
        if (!(options.LearningRate > 0) || !double.IsFinite(options.LearningRate))
            throw new ArgumentException($"the learning rate must be a positive number, got {options.LearningRate}", nameof(options));
        VariedInputs.Check(program, options.OutputName, vary);
        bool newton = options.Method == MinimizeMethod.Newton;

        var values = new Dictionary<string, double>(start, StringComparer.Ordinal);
        var iterations = new List<MinimizeIteration>();
        string outputName = "";
        double startNorm = 0;
        MinimizeResult Stop(SolveStatus status, string? message) =>
            new(status, options.Method, outputName, vary, newton ? null : options.LearningRate, iterations, message);

        for (int index = 0; ; index++)
        {
            EvaluatedProgram evaluated;
            try
            {
                evaluated = ProgramEvaluator.Evaluate(program, values, options.OutputName);
            }
            catch (ProgramDomainException e) when (index > 0)
            {
                return Stop(SolveStatus.Domain, $"step {index} left the domain at {Point(vary, values)}: {e.Message}");
            }
            outputName = evaluated.OutputName;
            // Only Newton differentiates the gradient again, so only it records the backward pass.
            Tensor?[] recorded = ProgramDerivatives.Gradient(evaluated, vary, createGraph: newton);
            double[] gradient = ProgramDerivatives.Values(recorded);
            double norm = Norm(gradient);
            double[,]? hessian = newton && double.IsFinite(norm) ? ProgramDerivatives.Hessian(evaluated, vary, recorded) : null;
            iterations.Add(new MinimizeIteration(index, vary.Select(name => values[name]).ToArray(), evaluated.Value, gradient, norm, hessian));

            if (!double.IsFinite(norm))
                return Stop(SolveStatus.Domain,
                    $"the gradient of {outputName} is not finite at {Point(vary, values)} ({Derivatives(outputName, vary, gradient)}); a local gradient is infinite there, e.g. sqrt at 0");
            if (norm <= options.GradientTolerance)
                return Stop(SolveStatus.Converged, null);
            if (index == 0)
                startNorm = norm;
            else if (norm > options.DivergenceFactor * startNorm)
                return Stop(SolveStatus.Diverged,
                    $"diverged: after {Steps(index)} |∇{outputName}| = {Show(norm)} is more than {Show(options.DivergenceFactor)} times its starting value {Show(startNorm)}" +
                    (newton ? "" : "; try a smaller learning rate"));
            if (index == options.MaxIterations)
                return Stop(SolveStatus.NotConverged,
                    $"not converged after {Steps(index)}: |∇{outputName}| = {Show(norm)} at {Point(vary, values)}, above the tolerance {Show(options.GradientTolerance)}" +
                    (StillFalling(iterations) ? $"; {outputName} fell at every step while its gradient did not shrink, so it may have no minimum (a linear output has none)" : ""));

            double[] step;
            if (newton)
            {
                if (NewtonStep(hessian!, gradient, out step) is { } problem)
                    return Stop(SolveStatus.Curvature, $"{problem} at {Point(vary, values)}: {Curvature(outputName, vary, hessian!)}; " +
                        (vary.Count == 1 ? $"Newton's step −f′/f″ needs f″ > 0" : $"Newton's step −H⁻¹·∇{outputName} needs a positive curvature in every direction") +
                        " (minimise by gradient descent instead, or start nearer a minimum)");
            }
            else
            {
                step = gradient.Select(g => -options.LearningRate * g).ToArray();
            }
            for (int i = 0; i < vary.Count; i++)
                values[vary[i]] += step[i];
            if (vary.Any(name => !double.IsFinite(values[name])))
                return Stop(SolveStatus.Diverged, $"diverged: step {index + 1} made {Point(vary, values)}, which is not finite");
        }
    }

    /// <summary>
    /// Solves H·Δ = −g by a Cholesky factorisation H = L·Lᵀ, or returns why not: H singular (an eigenvalue 0, no unique
    /// stationary point) or not positive definite (a negative eigenvalue: the stationary point of the quadratic model is
    /// a saddle or a maximum, and Newton's step would head there). Null when the step was made.
    /// </summary>
    private static string? NewtonStep(double[,] hessian, double[] gradient, out double[] step)
    {
        int n = gradient.Length;
        step = new double[n];
        double[] eigenvalues = SymmetricEigenvalues(hessian);
        double largest = eigenvalues.Max(Math.Abs);
        // Round-off leaves an exactly singular matrix with an eigenvalue of a few ulps instead of 0.
        double zero = 1e-12 * largest;
        string spectrum = n == 1 ? "" : $" (eigenvalues {string.Join(", ", eigenvalues.Select(Show))})";
        if (eigenvalues.Any(e => e < -zero))
            return n == 1 ? "the second derivative is negative (the output curves down, toward a maximum)" : $"the Hessian is not positive definite{spectrum}";
        if (eigenvalues.Any(e => e <= zero))
            return n == 1 ? "the second derivative is 0 (the output is straight there)" : $"the Hessian is singular{spectrum}";
        var l = new double[n, n];
        for (int j = 0; j < n; j++)
        {
            double pivot = hessian[j, j];
            for (int k = 0; k < j; k++)
                pivot -= l[j, k] * l[j, k];
            if (!(pivot > 0))
                return $"the Hessian is too close to singular to factorise{spectrum}";
            l[j, j] = Math.Sqrt(pivot);
            for (int i = j + 1; i < n; i++)
            {
                double sum = hessian[i, j];
                for (int k = 0; k < j; k++)
                    sum -= l[i, k] * l[j, k];
                l[i, j] = sum / l[j, j];
            }
        }
        // L·y = −g, then Lᵀ·Δ = y.
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sum = -gradient[i];
            for (int k = 0; k < i; k++)
                sum -= l[i, k] * y[k];
            y[i] = sum / l[i, i];
        }
        for (int i = n - 1; i >= 0; i--)
        {
            double sum = y[i];
            for (int k = i + 1; k < n; k++)
                sum -= l[k, i] * step[k];
            step[i] = sum / l[i, i];
        }
        return null;
    }

    /// <summary>The eigenvalues of a small symmetric matrix, ascending, by cyclic Jacobi rotations.</summary>
    private static double[] SymmetricEigenvalues(double[,] matrix)
    {
        int n = matrix.GetLength(0);
        var a = (double[,])matrix.Clone();
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++)
                    off += a[p, q] * a[p, q];
            if (off == 0) break;
            for (int p = 0; p < n; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    if (a[p, q] == 0) continue;
                    // The rotation that zeroes a[p, q]: tan θ = t, chosen as the smaller root for stability.
                    double theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                    double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    double c = 1 / Math.Sqrt(t * t + 1), sn = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k, p], akq = a[k, q];
                        a[k, p] = c * akp - sn * akq;
                        a[k, q] = sn * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p, k], aqk = a[q, k];
                        a[p, k] = c * apk - sn * aqk;
                        a[q, k] = sn * apk + c * aqk;
                    }
                }
            }
        }
        return Enumerable.Range(0, n).Select(i => a[i, i]).Order().ToArray();
    }

    // A hint for the iteration limit: the output went down at every step and the slope is as steep as at the start.
    private static bool StillFalling(List<MinimizeIteration> iterations)
    {
        for (int i = 1; i < iterations.Count; i++)
            if (!(iterations[i].Output < iterations[i - 1].Output)) return false;
        return iterations.Count > 1 && iterations[^1].GradientNorm >= iterations[0].GradientNorm;
    }

    private static double Norm(double[] gradient)
    {
        // Scaled by the largest entry so that the sum of squares cannot overflow or underflow.
        double scale = gradient.Length == 0 ? 0 : gradient.Max(Math.Abs);
        if (scale == 0 || !double.IsFinite(scale)) return scale;
        return scale * Math.Sqrt(gradient.Sum(g => (g / scale) * (g / scale)));
    }

    private static string Curvature(string output, IReadOnlyList<string> vary, double[,] hessian)
    {
        if (vary.Count == 1)
            return $"∂²{output}/∂{vary[0]}² = {Show(hessian[0, 0])}";
        var rows = Enumerable.Range(0, vary.Count)
            .Select(i => "[" + string.Join(", ", Enumerable.Range(0, vary.Count).Select(j => Show(hessian[i, j]))) + "]");
        return $"H = ∂²{output}/∂({string.Join(", ", vary)})² = [{string.Join(", ", rows)}]";
    }

    private static string Derivatives(string output, IReadOnlyList<string> vary, double[] gradient) =>
        string.Join(", ", vary.Select((v, i) => $"∂{output}/∂{v} = {Show(gradient[i])}"));

    private static string Steps(int count) => count == 1 ? "1 step" : $"{count} steps";

    private static string Point(IReadOnlyList<string> vary, IReadOnlyDictionary<string, double> values) =>
        string.Join(", ", vary.Select(name => $"{name} = {Show(values[name])}"));

    private static string Show(double value) => value.ToString("G10", CultureInfo.InvariantCulture).Replace('E', 'e');
}
