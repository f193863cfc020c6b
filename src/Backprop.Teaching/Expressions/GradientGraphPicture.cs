using Backprop.Teaching.Visualization;

namespace Backprop.Teaching.Expressions;

/// <summary>
/// Turns a <see cref="GradientGraph"/> into a <see cref="GraphPicture"/> like the one of the program: the program's inputs
/// and constants on the left, then the forward gates the gradient reads, the recorded backward gates, and one output per
/// gradient ∂output/∂input on the right. With one input every edge also carries the second backward pass's gradient
/// d(∂output/∂w)/d(value), so the input's own gradient in the picture is ∂²output/∂w².
/// </summary>
public static class GradientGraphPicture
{
    /// <summary>Builds the picture; render it with <see cref="GraphSvg"/>, <see cref="GraphDot"/> or <see cref="GraphHtml"/>.</summary>
    /// <exception cref="ArgumentException">The graph has more than <see cref="ExplainPicture.MaxNodes"/> nodes.</exception>
    public static GraphPicture Build(GradientGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        int count = graph.Nodes.Count + graph.Gradients.Count;
        if (count > ExplainPicture.MaxNodes)
            throw new ArgumentException(
                $"gradient graph too large for a picture: {count} nodes, limit {ExplainPicture.MaxNodes}; explain it as text, or pick a smaller part with the output option");
        string output = GradientGraphText.OutputLabel(graph.Program);
        var nodes = new List<GraphNode>();
        var edges = new List<GraphEdge>();
        foreach (GradientGraphNode node in graph.Nodes)
        {
            (string label, GraphNodeKind kind) = node switch
            {
                { Forward.Kind: ProgramNodeKind.Input } => (node.Label, GraphNodeKind.Input),
                { Inputs.Count: 0 } => (node.Label, GraphNodeKind.Constant),
                _ => (node.Operator, GraphNodeKind.Operator),
            };
            string? name = kind == GraphNodeKind.Operator || node.Forward is { Kind: ProgramNodeKind.Input } ? node.Label : null;
            nodes.Add(new GraphNode(IdOf(node), label, kind, node.Value, node.SecondGradient, name));
            // A constant the operator holds is drawn as a constant feeding it, like the program's own numbers.
            if (node.Constant is { } constant)
            {
                nodes.Add(new GraphNode(IdOf(node) + "_c", CompactNumber.Format(constant.Value), GraphNodeKind.Constant, constant.Value));
                edges.Add(new GraphEdge(IdOf(node) + "_c", IdOf(node), constant.Value));
            }
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                GradientGraphNode input = node.Inputs[i];
                string? edgeName = input.Forward is { Kind: ProgramNodeKind.Operation, Name: not null } ? input.Label : null;
                edges.Add(new GraphEdge(IdOf(input), IdOf(node), input.Value, node.SecondInputs[i], edgeName));
            }
        }
        foreach ((string name, GradientGraphNode? node) in graph.Gradients)
        {
            if (node is null) continue;
            string id = "d_" + name;
            string label = $"∂{output}/∂{name}";
            bool single = graph.Gradients.Count == 1;
            // The output of the second pass is the gradient itself, so its own gradient is 1.
            nodes.Add(new GraphNode(id, label, GraphNodeKind.Output, node.Value, single ? 1 : null, label));
            edges.Add(new GraphEdge(IdOf(node), id, node.Value, single ? 1 : null));
        }
        return new GraphPicture(nodes, edges);
    }

    private static string IdOf(GradientGraphNode node) => "g" + node.Id;
}
