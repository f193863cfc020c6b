using System.Text;
using Backprop.Teaching.Visualization;

namespace Backprop.Teaching.Expressions;

/// <summary>
/// Writes an <see cref="ExplainTrace"/> the way lecture notes walk through backpropagation: the forward pass node by
/// node, then the backward pass gate by gate (<c>upstream × local = downstream</c>), sums where a value feeds several
/// gates, and finally the gradient of the output with respect to every input.
/// </summary>
public static class ExplainText
{
    /// <summary>The full report as text with aligned columns, lines ending in '\n'.</summary>
    public static string Render(ExplainTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        EvaluatedProgram program = trace.Program;
        var text = new StringBuilder();
        text.Append("program  ").Append(program.Syntax.OneLine).Append('\n');
        if (program.Inputs.Count > 0)
            text.Append("at       ").Append(string.Join(", ", program.Inputs.Select(i => $"{i.Name} = {Show(i.Value)}"))).Append('\n');
        text.Append('\n');

        text.Append("forward pass: each node's value from its inputs' values\n");
        var forward = new TextTable(false, false, false, true);
        forward.Add("node", "op", "computed as", "value");
        foreach (ProgramNode node in program.Nodes.Where(n => n.Kind != ProgramNodeKind.Constant))
            forward.Add(node.Definition, node.Operator, Computation(node), Show(node.Value));
        forward.WriteTo(text);
        text.Append('\n');

        // After "c = c + 1" the output is the second c, written c' like its row in the tables.
        string output = program.Output.Name == program.OutputName ? program.Output.Label : program.OutputName;
        text.Append("backward pass, in the engine's order: downstream = upstream × local; a value feeding several gates sums what they send\n");
        if (trace.Steps.Count == 0)
        {
            text.Append("  (nothing to do: the output depends on no input)\n");
        }
        else
        {
            var backward = new TextTable(false, true, false, true, false);
            backward.Add("node", "upstream", "→ input", "local", "downstream = upstream × local");
            foreach (BackwardStep step in trace.Steps)
                AddStep(backward, step);
            backward.WriteTo(text);
        }
        text.Append('\n');

        text.Append($"gradients of {output} = {Show(program.Value)}\n");
        var gradients = new TextTable(false, false);
        foreach (ProgramNode input in program.Inputs)
        {
            BackwardStep? step = trace.StepOf(input);
            string gradient = $"∂{output}/∂{input.Name} = {Show(trace.GradientOf(input) ?? 0)}";
            string sum = step is { Contributions.Count: > 1 }
                ? $"= {SumOf(step.Contributions)}   ({input.Name} feeds {step.Contributions.Count} gates: {AtMost(step.Contributions.Select(c => c.From.Label).ToList(), ", ", "gates")})"
                : "";
            gradients.Add(gradient, sum);
        }
        foreach (string unused in trace.UnusedInputs)
            gradients.Add($"∂{output}/∂{unused} = 0", $"  ({output} does not depend on {unused})");
        if (program.Inputs.Count == 0 && trace.UnusedInputs.Count == 0)
            gradients.Add("(the program has no inputs)");
        gradients.WriteTo(text);
        return text.ToString();
    }

    private static void AddStep(TextTable table, BackwardStep step)
    {
        string upstream = step.Contributions.Count > 1
            ? $"{SumOf(step.Contributions)} = {Show(step.Upstream)}"
            : Show(step.Upstream);
        if (step.Kind == BackwardStepKind.Leaf)
        {
            table.Add(step.Node.Label + " (input)", upstream, "", "", "stored as its gradient");
            return;
        }
        bool first = true;
        foreach (GateInputGradient input in step.Inputs)
        {
            // Constants receive nothing; listing them would only add rows of dashes.
            if (input.Downstream is not { } downstream)
                continue;
            string product = $"{Factor(step.Upstream)} × {Factor(input.Local ?? double.NaN)} = {Show(downstream)}";
            table.Add(first ? step.Node.Definition : "", first ? upstream : "", "→ " + input.Input.Label, Show(input.Local ?? double.NaN), product);
            first = false;
        }
        if (first)
            table.Add(step.Node.Definition, upstream, "", "", "(all inputs are constants)");
    }

    // A value feeding thousands of gates would make a sum as long as the program, and pad every row of its column to
    // that width: past a few terms only the first and last are written, with the count.
    private const int MaxTermsWritten = 8;

    private static string SumOf(IReadOnlyList<GradientContribution> contributions) =>
        AtMost(contributions.Select(c => Factor(c.Value)).ToList(), " + ", "terms");

    private static string AtMost(List<string> items, string separator, string noun) => items.Count <= MaxTermsWritten
        ? string.Join(separator, items)
        : string.Join(separator, items.Take(MaxTermsWritten - 2)) + separator + "…" + separator + string.Join(separator, items.TakeLast(2))
            + $" ({items.Count} {noun})";

    private static string Computation(ProgramNode node)
    {
        var args = node.Inputs.Select(i => Factor(i.Value)).ToList();
        return node.Operator switch
        {
            "input" => "given",
            "neg" => $"-{args[0]}",
            "+" or "-" or "*" or "/" or "^" => $"{args[0]} {node.Operator} {args[1]}",
            _ => $"{node.Operator}({string.Join(", ", node.Inputs.Select(i => Show(i.Value)))})",
        };
    }

    // Negative numbers inside a product or sum are parenthesised so "-4 × -1" reads as "(-4) × (-1)".
    private static string Factor(double value) => value < 0 ? $"({Show(value)})" : Show(value);

    private static string Show(double value) => CompactNumber.Format(value);
}
