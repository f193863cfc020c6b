using System.Text;

namespace Backprop.Teaching.Visualization;

/// <summary>Writes a <see cref="GraphPicture"/> as Graphviz DOT text (render it with <c>dot -Tsvg</c>).</summary>
public static class GraphDot
{
    /// <summary>
    /// The DOT text: left-to-right layout, operators as circles, inputs and constants as plain text,
    /// each edge labelled with its value (green, first line) and gradient (red, second line), and a legend.
    /// </summary>
    /// <exception cref="ArgumentException">The picture refers to unknown node ids or repeats one.</exception>
    public static string Render(GraphPicture picture)
    {
        ArgumentNullException.ThrowIfNull(picture);
        picture.Validate();

        // Graphviz ids are generated ("n0", "n1", ...) so user ids never need DOT escaping;
        // everything the reader sees goes through HTML-like labels, which take XML escapes.
        var dotIds = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < picture.Nodes.Count; i++)
            dotIds[picture.Nodes[i].Id] = "n" + i;

        var dot = new StringBuilder();
        dot.AppendLine("digraph computation {");
        dot.AppendLine($"  graph [rankdir=LR, ranksep=0.3, nodesep=0.45, pad=0.3, bgcolor=white, fontname=\"{FigureStyle.GraphvizFont}\",");
        dot.AppendLine($"         labelloc=b, labeljust=l, fontsize=13, label=<{Legend()}>];");
        dot.AppendLine($"  node [fontname=\"{FigureStyle.GraphvizFont}\", fontsize=18, color=\"{FigureStyle.InkColor}\", fontcolor=\"{FigureStyle.InkColor}\"];");
        dot.AppendLine($"  edge [fontname=\"{FigureStyle.GraphvizFont}\", fontsize=14, color=\"{FigureStyle.EdgeColor}\", penwidth=1.3, arrowsize=0.8];");

        foreach (GraphNode node in picture.Nodes)
            dot.AppendLine($"  {dotIds[node.Id]} [{NodeAttributes(node)}];");

        // Inputs in the first column and outputs in the last, as in lecture figures.
        AppendRankGroup(dot, "source", picture, GraphNodeKind.Input, dotIds);
        AppendRankGroup(dot, "sink", picture, GraphNodeKind.Output, dotIds);

        // Each edge's label is a node of its own that the edge passes through ("e0", "e1", ...): Graphviz then
        // places it on its edge, never beside it where it could be read as the neighbouring edge's (as a plain
        // edge label was between the two inputs of a multiplication in the sigmoid example).
        for (int i = 0; i < picture.Edges.Count; i++)
        {
            GraphEdge edge = picture.Edges[i];
            string labelId = "e" + i;
            dot.AppendLine($"  {labelId} [shape=plaintext, style=filled, fillcolor=white, margin=\"0.03,0.01\", width=0, height=0, fontsize=14, label=<{EdgeLabel(edge)}>];");
            dot.AppendLine($"  {dotIds[edge.From]} -> {labelId} [arrowhead=none];");
            dot.AppendLine($"  {labelId} -> {dotIds[edge.To]};");
        }

        dot.AppendLine("}");
        return dot.ToString();
    }

    private static string NodeAttributes(GraphNode node)
    {
        string label = XmlText.Escape(node.Label);
        return node.Kind switch
        {
            GraphNodeKind.Operator =>
                $"shape=circle, label=<{label}>, style=filled, fillcolor=\"{FigureStyle.OperatorFill}\", penwidth=1.4, margin=0.04, width=0.5",
            GraphNodeKind.Constant =>
                $"shape=plaintext, label=<{label}>, fontcolor=\"{FigureStyle.ConstantColor}\", fontsize=16",
            GraphNodeKind.Output =>
                $"shape=plaintext, label=<<b>{label}</b>>, fontcolor=\"{FigureStyle.OutputColor}\"",
            // An input's total gradient, which no single edge carries where the input feeds several gates (b = 63).
            _ when node.Gradient is double total =>
                $"shape=plaintext, label=<<b>{label}</b><br/><font color=\"{FigureStyle.GradientColor}\" point-size=\"13\">{XmlText.Escape(FigureStyle.TotalText(total))}</font>>",
            _ => $"shape=plaintext, label=<<b>{label}</b>>",
        };
    }

    private static string EdgeLabel(GraphEdge edge)
    {
        string value = $"<font color=\"{FigureStyle.ValueColor}\">{XmlText.Escape(FigureStyle.ValueText(edge))}</font>";
        if (edge.Gradient is not double gradient)
            return value;
        return $"{value}<br/><font color=\"{FigureStyle.GradientColor}\">{XmlText.Escape(CompactNumber.Format(gradient))}</font>";
    }

    private static string Legend() =>
        $"<font color=\"{FigureStyle.ValueColor}\">green: value (forward)</font>     " +
        $"<font color=\"{FigureStyle.GradientColor}\">red: gradient of the output (backward)</font>";

    private static void AppendRankGroup(StringBuilder dot, string rank, GraphPicture picture, GraphNodeKind kind,
        Dictionary<string, string> dotIds)
    {
        var members = picture.Nodes.Where(node => node.Kind == kind).Select(node => dotIds[node.Id]).ToList();
        if (members.Count > 0)
            dot.AppendLine($"  {{ rank={rank}; {string.Join("; ", members)}; }}");
    }
}
