using Backprop.Teaching.Visualization;

namespace Backprop.Teaching.Expressions;

/// <summary>
/// Turns an explained program into a <see cref="GraphPicture"/>: operators as nodes, inputs and constants on the left,
/// the output on the right, and every edge labelled with the value flowing forward and the gradient flowing back.
/// </summary>
public static class ExplainPicture
{
    private const string OutputId = "output";

    /// <summary>
    /// The most nodes (the program's and the output's) a picture is drawn with: more cannot be read on one page, and the
    /// layout's cost grows faster than the node count.
    /// </summary>
    public const int MaxNodes = 1_000;

    /// <summary>Builds the picture; render it with <see cref="GraphSvg"/>, <see cref="GraphDot"/> or <see cref="GraphHtml"/>.</summary>
    /// <exception cref="ArgumentException">The program has more than <see cref="MaxNodes"/> nodes.</exception>
    public static GraphPicture Build(ExplainTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        EvaluatedProgram program = trace.Program;
        if (program.Nodes.Count + 1 > MaxNodes)
            throw new ArgumentException(
                $"program too large for a picture: {program.Nodes.Count + 1} nodes, limit {MaxNodes}; explain it as text, or pick a smaller part with the output option");
        var nodes = new List<GraphNode>();
        var edges = new List<GraphEdge>();
        foreach (ProgramNode node in program.Nodes)
        {
            (string label, GraphNodeKind kind) = node.Kind switch
            {
                ProgramNodeKind.Input => (node.Label, GraphNodeKind.Input),
                ProgramNodeKind.Constant => (node.Expression, GraphNodeKind.Constant),
                _ => (node.Operator, GraphNodeKind.Operator),
            };
            // An unnamed gate is listed by its expression ("2*w") in the HTML table, which is clearer than a blank.
            string? name = node.Name is not null || node.Kind == ProgramNodeKind.Operation ? node.Label : null;
            nodes.Add(new GraphNode(IdOf(node), label, kind, node.Value, trace.GradientOf(node), name));
            if (node.Kind != ProgramNodeKind.Operation)
                continue;
            BackwardStep? step = trace.StepOf(node);
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                ProgramNode input = node.Inputs[i];
                // Each edge carries the gradient this gate sent along it, not the input's total: where a value feeds
                // two gates, the two edges show the two terms of the sum.
                double? gradient = step is { Kind: BackwardStepKind.Gate } ? step.Inputs[i].Downstream : null;
                edges.Add(new GraphEdge(IdOf(input), IdOf(node), input.Value, gradient, EdgeName(input)));
            }
        }
        ProgramNode output = program.Output;
        double? outputGradient = trace.GradientOf(output);
        // A reassigned name's last value is shown as the text explanation and the table call it (c' for
        // "c = a + b; c = c + c + 1"), so the output is not read as the first c.
        string outputLabel = output.Name == program.OutputName ? output.Label : program.OutputName;
        nodes.Add(new GraphNode(OutputId, outputLabel, GraphNodeKind.Output, output.Value, outputGradient, outputLabel));
        edges.Add(new GraphEdge(IdOf(output), OutputId, output.Value, outputGradient, EdgeName(output)));
        return new GraphPicture(nodes, edges);
    }

    private static string IdOf(ProgramNode node) => "n" + node.Id;

    // Inputs are drawn as their names already; a named intermediate ("x") is worth writing on its edges.
    private static string? EdgeName(ProgramNode node) =>
        node.Kind != ProgramNodeKind.Input && node.Name is not null ? node.Label : null;
}
