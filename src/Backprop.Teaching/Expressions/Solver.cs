using System.Globalization;

namespace Backprop.Teaching.Expressions;

/// <summary>
/// Drives a program's output to a target by following its gradient, one backward pass per step — the "how much
/// must w change to move z by Δz" question of the lecture notes, repeated. With one varied input the step is
/// Δw = Δz / (∂z/∂w) (Newton's method); with several it is the smallest step whose linearisation hits the target:
/// θ ← θ + Δ·g/|g|², where Δ = target − output and g = ∂output/∂θ. With <see cref="SolveMethod.Halley"/> (one input)
/// the step also uses the second derivative, from differentiating the recorded gradient again:
/// Δw = −2·e·e′ / (2·e′² − e·e″) with e = output − target.
/// </summary>
public static class Solver
{
    /// <summary>Runs the iteration from <paramref name="start"/> until the output is within tolerance or a stall is detected.</summary>
    /// <param name="program">A parsed program.</param>
    /// <param name="start">Values for every input; the varied ones are where the search starts.</param>
    /// <param name="target">The output value to reach.</param>
    /// <param name="vary">The inputs to change (at least one); the others stay fixed.</param>
    /// <param name="options">Tolerance, iteration limit, output choice; defaults when null.</param>
    /// <returns>The iterations and how they ended. Stalls (zero gradient, domain, divergence, iteration limit) are results, not exceptions.</returns>
    /// <exception cref="ProgramInputException">Missing or unknown inputs, or a varied name that is not an input.</exception>
    /// <exception cref="ProgramDomainException">The starting point itself is outside an operator's domain.</exception>
    public static SolveResult Solve(ProgramSyntax program, IReadOnlyDictionary<string, double> start, double target,
        IReadOnlyList<string> vary, SolveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(vary);
        options ??= new SolveOptions();
        if (!double.IsFinite(target))
            throw new ArgumentException($"the target must be a finite number, got {target}", nameof(target));
        VariedInputs.Check(program, options.OutputName, vary);
        bool halley = options.Method == SolveMethod.Halley;
        if (halley && vary.Count != 1)
            throw new ProgramInputException(
                $"Halley's method varies one input (its step divides by the second derivative of a one-variable function); got {vary.Count}: {string.Join(", ", vary)}");

        var values = new Dictionary<string, double>(start, StringComparer.Ordinal);
        double tolerance = options.Tolerance * Math.Max(1, Math.Abs(target));
        var iterations = new List<SolveIteration>();
        string outputName = "";
        double startError = 0;
        SolveResult Stop(SolveStatus status, string? message) => new(status, outputName, target, vary, iterations, message, options.Method);

        for (int index = 0; ; index++)
        {
            EvaluatedProgram evaluated;
            try
            {
                evaluated = ProgramEvaluator.Evaluate(program, values, options.OutputName);
            }
            catch (ProgramDomainException e) when (index > 0)
            {
                // The previous row is the last valid point; the message says where the step landed and which node failed.
                return Stop(SolveStatus.Domain, $"step {index} left the domain at {Point(vary, values)}: {e.Message}");
            }
            outputName = evaluated.OutputName;
            double output = evaluated.Value;
            double error = output - target;
            double[] gradient;
            double? second = null;
            if (halley)
            {
                Tensor?[] recorded = ProgramDerivatives.Gradient(evaluated, vary);
                gradient = ProgramDerivatives.Values(recorded);
                second = ProgramDerivatives.Hessian(evaluated, vary, recorded)[0, 0];
            }
            else
            {
                gradient = GradientOver(evaluated, vary);
            }
            iterations.Add(new SolveIteration(index, vary.Select(name => values[name]).ToArray(), output, error, gradient, second));

            if (Math.Abs(error) <= tolerance)
                return Stop(SolveStatus.Converged, null);
            if (index == 0)
                startError = Math.Abs(error);
            else if (Math.Abs(error) > options.DivergenceFactor * startError)
                return Stop(SolveStatus.Diverged,
                    $"diverged: after {(index == 1 ? "1 step" : $"{index} steps")} the error {Show(error)} is more than {Show(options.DivergenceFactor)} times the starting error {Show(startError)}");
            if (index == options.MaxIterations)
                return Stop(SolveStatus.NotConverged,
                    $"not converged after {index} steps: {outputName} = {Show(output)}, still {Show(error)} from the target {Show(target)}");
            if (gradient.Any(g => !double.IsFinite(g)))
                return Stop(SolveStatus.Domain,
                    $"the gradient of {outputName} is not finite at {Point(vary, values)} ({string.Join(", ", vary.Select((v, i) => $"∂{outputName}/∂{v} = {Show(gradient[i])}"))}); a local gradient is infinite there, e.g. sqrt at 0");
            if (gradient.All(g => g == 0))
                return Stop(SolveStatus.ZeroGradient,
                    $"zero gradient at {Point(vary, values)}: ∂{outputName}/∂{Together(vary)} is 0, so no step can move {outputName} = {Show(output)} toward {Show(target)}");

            double[] step;
            if (second is { } curvature)
            {
                // Halley: the tangent step −e/e′ corrected by the curvature. A zero denominator means the curvature
                // cancels the slope exactly; the step is undefined there.
                double slope = gradient[0];
                double denominator = 2 * slope * slope - error * curvature;
                if (denominator == 0 || !double.IsFinite(denominator))
                    return Stop(SolveStatus.Curvature,
                        $"Halley's step is undefined at {Point(vary, values)}: 2·(∂{outputName}/∂{vary[0]})² − e·∂²{outputName}/∂{vary[0]}² = 2·{Show(slope)}² − {Show(error)}·{Show(curvature)} = {Show(denominator)}");
                step = [-2 * error * slope / denominator];
            }
            else
            {
                step = Step(target - output, gradient);
            }
            for (int i = 0; i < vary.Count; i++)
                values[vary[i]] += step[i];
            if (vary.Any(name => !double.IsFinite(values[name])))
                return Stop(SolveStatus.Diverged, $"diverged: step {index + 1} made {Point(vary, values)}, which is not finite");
        }
    }

    /// <summary>Δ·g/|g|², computed with g scaled by its largest entry so that |g|² cannot overflow or underflow.</summary>
    private static double[] Step(double delta, double[] gradient)
    {
        double scale = gradient.Max(Math.Abs);
        double sumOfSquares = gradient.Sum(g => (g / scale) * (g / scale));
        return gradient.Select(g => delta * (g / scale) / (scale * sumOfSquares)).ToArray();
    }

    private static double[] GradientOver(EvaluatedProgram evaluated, IReadOnlyList<string> vary)
    {
        // A constant output (it reads none of the inputs) has no graph; its gradient is zero everywhere.
        if (evaluated.Output.Tensor.RequiresGrad)
            evaluated.Output.Tensor.Backward();
        return vary.Select(name => evaluated.Input(name)?.Tensor.Grad?.Item() ?? 0).ToArray();
    }

    private static string Point(IReadOnlyList<string> vary, IReadOnlyDictionary<string, double> values) =>
        string.Join(", ", vary.Select(name => $"{name} = {Show(values[name])}"));

    private static string Show(double value) => value.ToString("G10", CultureInfo.InvariantCulture).Replace('E', 'e');

    private static string Together(IReadOnlyList<string> names) => names.Count == 1 ? names[0] : $"({string.Join(", ", names)})";
}
