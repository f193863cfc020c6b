using System.Text;
using Backprop.Teaching.Visualization;

namespace Backprop.Teaching.Expressions;

/// <summary>
/// Writes a <see cref="GradientGraph"/> as text: the nodes the backward pass recorded, each computed from its inputs like
/// a forward pass, the gradients they end in, and the second derivatives from differentiating them again.
/// </summary>
public static class GradientGraphText
{
    /// <summary>The report with aligned columns, lines ending in '\n'.</summary>
    public static string Render(GradientGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        EvaluatedProgram program = graph.Program;
        string output = OutputLabel(program);
        string[] inputs = graph.Gradients.Select(g => g.Key).ToArray();
        var text = new StringBuilder();
        text.Append("program  ").Append(program.Syntax.OneLine).Append('\n');
        if (program.Inputs.Count > 0)
            text.Append("at       ").Append(string.Join(", ", program.Inputs.Select(i => $"{i.Name} = {Show(i.Value)}"))).Append('\n');
        text.Append('\n');

        if (graph.Nodes.Count == 0)
        {
            text.Append(inputs.Length == 0
                ? "the program has no inputs, so there is no gradient to draw\n"
                : $"the output depends on no input: every gradient is 0, and there is no gradient graph\n");
            return text.ToString();
        }
        bool single = inputs.Length == 1;
        text.Append($"the gradient is a computation graph too: the backward pass, recorded (createGraph), computes ∂{output}/∂{(single ? inputs[0] : $"({string.Join(", ", inputs)})")}\n");
        text.Append("from the forward pass's values with ordinary operators; g1, g2, ... are the nodes it recorded\n");
        if (graph.Nodes.Any(n => n.Kind == GradientGraphNodeKind.Operation && n.Inputs.Count == 1 && n.Constant is null && n.Operator is "add" or "sub" or "div" or "pow" or "max" or "min"))
            text.Append("(add, sub, div, pow with one operand combine it with a number of the rule that is not a tensor of the graph)\n");
        var table = single ? new TextTable(false, false, false, true, false, true) : new TextTable(false, false, false, true, false);
        string secondHeader = single ? $"d(∂{output}/∂{inputs[0]})/d(node)" : "";
        table.Add(single
            ? ["node", "op", "computed as", "value", "", secondHeader]
            : ["node", "op", "computed as", "value", ""]);
        foreach (GradientGraphNode node in graph.Nodes)
        {
            // Constants of the program are shown in the expressions that read them; rows for them would only repeat the number.
            if (node.Forward is { Kind: ProgramNodeKind.Constant })
                continue;
            string role = Role(graph, node, output);
            string computed = node.Kind switch
            {
                GradientGraphNodeKind.Constant => "a constant (reads no input)",
                _ when node.Inputs.Count == 0 => "given",
                _ => $"{node.Operator}({string.Join(", ", Operands(node))})",
            };
            string[] row = [node.Label, node.Operator, computed, Show(node.Value), role];
            table.Add(single ? [.. row, node.SecondGradient is { } s ? Show(s) : ""] : row);
        }
        table.WriteTo(text);
        text.Append('\n');

        text.Append($"gradients of {output} = {Show(program.Value)}, the graph's outputs\n");
        var gradients = new TextTable(false, false);
        foreach ((string name, GradientGraphNode? node) in graph.Gradients)
            gradients.Add($"∂{output}/∂{name} = {Show(node?.Value ?? 0)}", node is null ? "(no node: the output does not depend on it)" : $"= {node.Label}");
        gradients.WriteTo(text);
        text.Append('\n');

        text.Append("second derivatives: each gradient differentiated again by the engine (the Hessian, row = gradient, column = input)\n");
        var hessian = new TextTable(Enumerable.Repeat(false, inputs.Length).ToArray());
        for (int i = 0; i < inputs.Length; i++)
            hessian.Add(Enumerable.Range(0, inputs.Length).Select(j => $"{Second(output, inputs[i], inputs[j])} = {Show(graph.Hessian[i, j])}").ToArray());
        hessian.WriteTo(text);
        return text.ToString();
    }

    /// <summary>∂²z/∂w² on the diagonal, ∂²z/∂w∂b off it.</summary>
    internal static string Second(string output, string row, string column) =>
        row == column ? $"∂²{output}/∂{row}²" : $"∂²{output}/∂{row}∂{column}";

    /// <summary>The inputs' labels, with a held constant in its place (g·2 reads as mul(g1, 2)).</summary>
    private static IEnumerable<string> Operands(GradientGraphNode node)
    {
        var operands = node.Inputs.Select(i => i.Label).ToList();
        if (node.Constant is { } constant)
            operands.Insert(constant.First ? 0 : operands.Count, Show(constant.Value));
        return operands;
    }

    /// <summary>After "c = c + 1" the output is the second c, written c' as in the explanation of the first pass.</summary>
    internal static string OutputLabel(EvaluatedProgram program) =>
        program.Output.Name == program.OutputName ? program.Output.Label : program.OutputName;

    private static string Role(GradientGraph graph, GradientGraphNode node, string output)
    {
        var of = graph.Gradients.Where(g => ReferenceEquals(g.Value, node)).Select(g => $"∂{output}/∂{g.Key}").ToList();
        if (of.Count > 0) return "= " + string.Join(" = ", of);
        return node.Kind == GradientGraphNodeKind.Forward ? "forward value" : "";
    }

    private static string Show(double value) => CompactNumber.Format(value);
}
