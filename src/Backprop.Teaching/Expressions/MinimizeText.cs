using System.Globalization;
using System.Text;

namespace Backprop.Teaching.Expressions;

/// <summary>Writes a <see cref="MinimizeResult"/> as a table: one row per iteration with the varied values, the output and |∇f|.</summary>
public static class MinimizeText
{
    /// <summary>
    /// The table and, when it converged, a closing line with the minimiser; lines end in '\n'. When it did not,
    /// <see cref="MinimizeResult.Message"/> says why.
    /// </summary>
    public static string Render(MinimizeResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder();
        string output = result.OutputName;
        text.Append($"minimising {output} by varying {string.Join(", ", result.Varied)}; {StepRule(result)}\n");

        // A row shows the gradient itself, so the learner sees it shrink toward 0 at the minimum.
        string[] gradients = result.Varied.Select(v => $"∂{output}/∂{v}").ToArray();
        var table = new TextTable(Enumerable.Repeat(true, 2 * result.Varied.Count + 2).ToArray());
        table.Add(["iter", .. result.Varied, output, .. gradients]);
        foreach (MinimizeIteration row in result.Iterations)
            table.Add([row.Index.ToString(CultureInfo.InvariantCulture), .. row.Values.Select(Show), Show(row.Output), .. row.Gradient.Select(Gradient)]);
        table.WriteTo(text);
        if (result.Converged)
            text.Append(Outcome(result)).Append('\n');
        return text.ToString();
    }

    /// <summary>How each step is made, in one line ("gradient descent: each step θ ← θ − 0.1·∂f/∂θ"); the table's heading ends with it.</summary>
    public static string StepRule(MinimizeResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        string output = result.OutputName;
        string theta = result.Varied.Count == 1 ? result.Varied[0] : "θ";
        if (result.Method == MinimizeMethod.GradientDescent)
            return $"gradient descent: each step {theta} ← {theta} − {Show(result.LearningRate ?? double.NaN)}·∂{output}/∂{theta}";
        return result.Varied.Count == 1
            ? $"Newton's method: each step Δ{theta} = −(∂{output}/∂{theta}) / (∂²{output}/∂{theta}²)"
            : $"Newton's method: each step solves H·Δ = −∇{output}, H = ∂²{output}/∂({string.Join(", ", result.Varied)})²";
    }

    /// <summary>How the minimisation ended: "converged after N steps (|∇f| = …): w = … gives f = …", or the stall's message.</summary>
    public static string Outcome(MinimizeResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!result.Converged) return result.Message ?? result.Status.ToString();
        string steps = result.Steps == 1 ? "1 step" : $"{result.Steps} steps";
        string point = string.Join(", ", result.Solution.Select(p => $"{p.Key} = {Show(p.Value)}"));
        return $"converged after {steps} (|∇{result.OutputName}| = {Gradient(result.Iterations[^1].GradientNorm)}): {point} gives {result.OutputName} = {Show(result.Output)}";
    }

    private static string Show(double value) => value.ToString("G10", CultureInfo.InvariantCulture).Replace('E', 'e');

    private static string Gradient(double value) => value == 0 ? "0" : value.ToString("0.000e+00", CultureInfo.InvariantCulture);
}
