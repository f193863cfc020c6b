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
        string varied = string.Join(", ", result.Varied);
        string theta = result.Varied.Count == 1 ? result.Varied[0] : "θ";
        text.Append($"minimising {output} by varying {varied}; ");
        if (result.Method == MinimizeMethod.GradientDescent)
            text.Append($"gradient descent: each step {theta} ← {theta} − {Show(result.LearningRate ?? double.NaN)}·∂{output}/∂{theta}\n");
        else if (result.Varied.Count == 1)
            text.Append($"Newton's method: each step Δ{theta} = −(∂{output}/∂{theta}) / (∂²{output}/∂{theta}²)\n");
        else
            text.Append($"Newton's method: each step solves H·Δ = −∇{output}, H = ∂²{output}/∂({varied})²\n");

        // A row shows the gradient itself, so the learner sees it shrink toward 0 at the minimum.
        string[] gradients = result.Varied.Select(v => $"∂{output}/∂{v}").ToArray();
        var table = new TextTable(Enumerable.Repeat(true, 2 * result.Varied.Count + 2).ToArray());
        table.Add(["iter", .. result.Varied, output, .. gradients]);
        foreach (MinimizeIteration row in result.Iterations)
            table.Add([row.Index.ToString(CultureInfo.InvariantCulture), .. row.Values.Select(Show), Show(row.Output), .. row.Gradient.Select(Gradient)]);
        table.WriteTo(text);
        if (result.Converged)
        {
            string steps = result.Steps == 1 ? "1 step" : $"{result.Steps} steps";
            string point = string.Join(", ", result.Solution.Select(p => $"{p.Key} = {Show(p.Value)}"));
            text.Append($"converged after {steps} (|∇{output}| = {Gradient(result.Iterations[^1].GradientNorm)}): {point} gives {output} = {Show(result.Output)}\n");
        }
        return text.ToString();
    }

    private static string Show(double value) => value.ToString("G10", CultureInfo.InvariantCulture).Replace('E', 'e');

    private static string Gradient(double value) => value == 0 ? "0" : value.ToString("0.000e+00", CultureInfo.InvariantCulture);
}
