using System.Globalization;
using System.Text;

namespace Backprop.Teaching.Expressions;

/// <summary>Writes a <see cref="SolveResult"/> as a table: one row per iteration with the varied values, the output and the error.</summary>
public static class SolveText
{
    /// <summary>
    /// The table and, when it converged, a closing line with the solution; lines end in '\n'. When it did not,
    /// <see cref="SolveResult.Message"/> says why.
    /// </summary>
    public static string Render(SolveResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder();
        string output = result.OutputName;
        text.Append($"solving {output} = {Show(result.Target)} by varying {string.Join(", ", result.Varied)}; {StepRule(result)}\n");
        bool halley = result.Method == SolveMethod.Halley;
        var rightAligned = Enumerable.Repeat(true, result.Varied.Count + (halley ? 5 : 3)).ToArray();
        var table = new TextTable(rightAligned);
        // Halley's rows also show the two derivatives its step is made of.
        string[] derivatives = halley ? [$"∂{output}/∂{result.Varied[0]}", $"∂²{output}/∂{result.Varied[0]}²"] : [];
        table.Add(["iter", .. result.Varied, output, "error", .. derivatives]);
        foreach (SolveIteration row in result.Iterations)
        {
            string[] values = halley ? [Show(row.Gradient[0]), Show(row.SecondDerivative ?? double.NaN)] : [];
            table.Add([row.Index.ToString(CultureInfo.InvariantCulture), .. row.Values.Select(Show), Show(row.Output), Error(row.Error), .. values]);
        }
        table.WriteTo(text);
        // A stall's explanation is result.Message; a command line prints it on its own (stderr), so it is not repeated here.
        if (result.Converged)
            text.Append(Outcome(result)).Append('\n');
        return text.ToString();
    }

    /// <summary>How each step is made, in one line ("each step Δw = (150 − z) / (∂z/∂w)"); the table's heading ends with it.</summary>
    public static string StepRule(SolveResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        string output = result.OutputName;
        if (result.Method == SolveMethod.Halley)
        {
            string w = result.Varied[0];
            return $"Halley's method: each step Δ{w} = −2·e·f′ / (2·f′² − e·f″) with e = {output} − {Show(result.Target)}, f′ = ∂{output}/∂{w}, f″ = ∂²{output}/∂{w}²";
        }
        return result.Varied.Count == 1
            ? $"each step Δ{result.Varied[0]} = ({Show(result.Target)} − {output}) / (∂{output}/∂{result.Varied[0]})"
            : $"each step θ ← θ + Δ·g/|g|² with Δ = {Show(result.Target)} − {output}, g = ∂{output}/∂({string.Join(", ", result.Varied)})";
    }

    /// <summary>How the solve ended: "converged after N steps: w = … gives z = …", or the stall's message.</summary>
    public static string Outcome(SolveResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!result.Converged) return result.Message ?? result.Status.ToString();
        string steps = result.Steps == 1 ? "1 step" : $"{result.Steps} steps";
        string point = string.Join(", ", result.Solution.Select(p => $"{p.Key} = {Show(p.Value)}"));
        return $"converged after {steps}: {point} gives {result.OutputName} = {Show(result.Output)}";
    }

    // Ten significant digits show the convergence without the noise of the last bits.
    private static string Show(double value) => value.ToString("G10", CultureInfo.InvariantCulture).Replace('E', 'e');

    private static string Error(double value) => value == 0 ? "0" : value.ToString("0.000e+00", CultureInfo.InvariantCulture);
}
