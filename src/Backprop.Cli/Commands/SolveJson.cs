using System.Text.Json;
using Backprop.Teaching.Expressions;

namespace Backprop.Cli.Commands;

/// <summary>
/// `solve --json` for both of its forms: hitting a target (<see cref="SolveResult"/>) and minimising
/// (<see cref="MinimizeResult"/>). Numbers in full double precision, non-finite ones as null (docs/cli.md).
/// </summary>
internal static class SolveJson
{
    /// <summary>The result of hitting a target as one indented JSON document.</summary>
    public static string Of(SolveResult result)
    {
        return Json.Document(w =>
        {
            w.WriteStartObject();
            Status(w, result.Status);
            w.WriteString("method", result.Method == SolveMethod.Halley ? "halley" : "newton");
            Message(w, result.Message);
            w.WriteString("output_name", result.OutputName);
            Json.Number(w, "target", result.Target);
            Json.Number(w, "output", result.Output);
            Iterations(w, result.Solution, result.Iterations, row =>
            {
                Point(w, row.Index, result.Varied, row.Values, row.Output);
                Json.Number(w, "error", row.Error);
                Named(w, "gradient", result.Varied, row.Gradient);
                if (row.SecondDerivative is { } second)
                    Named(w, "second_derivative", result.Varied, [second]);
            });
            w.WriteEndObject();
        }, indented: true) + "\n";
    }

    /// <summary>The result of minimising as one indented JSON document.</summary>
    public static string Of(MinimizeResult result)
    {
        return Json.Document(w =>
        {
            w.WriteStartObject();
            Status(w, result.Status);
            Message(w, result.Message);
            w.WriteString("method", result.Method == MinimizeMethod.Newton ? "newton" : "gradient");
            if (result.LearningRate is { } lr) Json.Number(w, "lr", lr);
            w.WriteString("output_name", result.OutputName);
            Json.Number(w, "output", result.Output);
            Iterations(w, result.Solution, result.Iterations, row =>
            {
                Point(w, row.Index, result.Varied, row.Values, row.Output);
                Named(w, "gradient", result.Varied, row.Gradient);
                Json.Number(w, "gradient_norm", row.GradientNorm);
                if (row.Hessian is { } hessian)
                {
                    // Row i is the gradient of ∂output/∂(varied i).
                    w.WriteStartArray("hessian");
                    for (int i = 0; i < result.Varied.Count; i++)
                    {
                        w.WriteStartArray();
                        for (int j = 0; j < result.Varied.Count; j++)
                            Json.NumberValue(w, hessian[i, j]);
                        w.WriteEndArray();
                    }
                    w.WriteEndArray();
                }
            });
            w.WriteEndObject();
        }, indented: true) + "\n";
    }

    private static void Status(Utf8JsonWriter w, SolveStatus status)
    {
        w.WriteBoolean("converged", status == SolveStatus.Converged);
        w.WriteString("status", status switch
        {
            SolveStatus.Curvature => "curvature",
            SolveStatus.Converged => "converged",
            SolveStatus.NotConverged => "not_converged",
            SolveStatus.ZeroGradient => "zero_gradient",
            SolveStatus.Domain => "domain",
            _ => "diverged",
        });
    }

    private static void Message(Utf8JsonWriter w, string? message)
    {
        if (message is null) w.WriteNull("message");
        else w.WriteString("message", message);
    }

    // The solution, then one object per point; each row's own fields come from writeRow.
    private static void Iterations<TRow>(Utf8JsonWriter w, IReadOnlyList<KeyValuePair<string, double>> solution,
        IReadOnlyList<TRow> rows, Action<TRow> writeRow)
    {
        w.WriteStartObject("solution");
        foreach ((string name, double value) in solution)
            Json.Number(w, name, value);
        w.WriteEndObject();
        w.WriteStartArray("iterations");
        foreach (TRow row in rows)
        {
            w.WriteStartObject();
            writeRow(row);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void Point(Utf8JsonWriter w, int index, IReadOnlyList<string> varied, IReadOnlyList<double> values, double output)
    {
        w.WriteNumber("iteration", index);
        Named(w, "values", varied, values);
        Json.Number(w, "output", output);
    }

    private static void Named(Utf8JsonWriter w, string property, IReadOnlyList<string> names, IReadOnlyList<double> values)
    {
        w.WriteStartObject(property);
        for (int i = 0; i < names.Count; i++)
            Json.Number(w, names[i], values[i]);
        w.WriteEndObject();
    }
}
