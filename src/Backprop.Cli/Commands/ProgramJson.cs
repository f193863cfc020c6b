using System.Text.Json;
using Backprop.Teaching.Expressions;

namespace Backprop.Cli.Commands;

/// <summary>The head that `explain --json` and `explain --order 2 --json` share: the program, its output and its inputs.</summary>
internal static class ProgramJson
{
    /// <summary>
    /// Writes "program", then "order" when given, "output" (name, the node's id when <paramref name="outputId"/>, value)
    /// and "inputs" (name: value).
    /// </summary>
    public static void Head(Utf8JsonWriter w, EvaluatedProgram program, int? order, bool outputId)
    {
        w.WriteString("program", program.Syntax.Source);
        if (order is { } n) w.WriteNumber("order", n);
        w.WriteStartObject("output");
        w.WriteString("name", program.OutputName);
        if (outputId) w.WriteNumber("id", program.Output.Id);
        Json.Number(w, "value", program.Value);
        w.WriteEndObject();
        w.WriteStartObject("inputs");
        foreach (ProgramNode node in program.Inputs)
            Json.Number(w, node.Name!, node.Value);
        w.WriteEndObject();
    }
}
