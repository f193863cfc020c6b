using System.Globalization;
using System.Text;
using Backprop.Teaching.Visualization;

namespace Backprop.Teaching.Player;

/// <summary>
/// The player's graph as inline SVG: the layout and label placement of the still pictures, with every node, edge and
/// label tagged (<c>data-node</c>, <c>data-edge</c>) so the script can light up the active gate and reveal values and
/// gradients as the walk reaches them; modules as collapsible boxes behind their nodes.
/// </summary>
internal static class PlayerSvg
{
    private const double Margin = 18;
    private const double GroupPadding = 14;
    private const double GroupTitleHeight = 18;

    public static string Render(Recording recording, GraphPicture picture, List<int> recordedOf, LayeredGraphSvg.Arrangement arranged)
    {
        var groupBoxes = GroupBoxes(recording, recordedOf, arranged);
        Box bounds = arranged.Bounds;
        foreach (Box box in groupBoxes.Values) bounds = bounds.Union(box);
        foreach (var vertex in arranged.Vertices)
        {
            bounds = bounds.Union(Box.Around(vertex.Center, vertex.Width + 24, vertex.Height + 24));
            RecordedNode recorded = recording.Nodes[recordedOf[vertex.Index]];
            if (vertex.Node!.Kind == GraphNodeKind.Input && recorded.Gradient is { IsScalar: true } g)
            {
                // Room for the widest total a solve may write here as it moves the inputs.
                double width = Math.Max(TextMetrics.Width(TotalText(g.Item), 13, bold: true), TextMetrics.Width(TotalText(-0.12345), 13, bold: true));
                bounds = bounds.Union(new Box(vertex.X - vertex.Width / 2 - 14 - width, vertex.Y - 8, width, 16));
            }
        }
        bounds = bounds.Inflate(Margin);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg id=\"graph-svg\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{N(bounds.Width)}\" height=\"{N(bounds.Height)}\" ")
           .Append($"viewBox=\"{N(bounds.Left)} {N(bounds.Top)} {N(bounds.Width)} {N(bounds.Height)}\" role=\"img\" aria-label=\"computation graph\">\n");
        svg.Append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"10\" markerHeight=\"10\" orient=\"auto\">")
           .Append("<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#8c959f\"/></marker></defs>\n");

        svg.Append("<g class=\"groups\">\n");
        foreach ((string module, Box box) in groupBoxes.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            string name = XmlText.Escape(module);
            svg.Append($"<g class=\"group\" data-group=\"{name}\"><rect x=\"{N(box.Left)}\" y=\"{N(box.Top)}\" width=\"{N(box.Width)}\" height=\"{N(box.Height)}\" rx=\"8\"/>")
               .Append($"<text class=\"group-title\" x=\"{N(box.Left + 8)}\" y=\"{N(box.Top + 14)}\" tabindex=\"0\" role=\"button\" aria-expanded=\"true\">▾ {name}</text></g>\n");
        }
        svg.Append("</g>\n<g class=\"edges\">\n");
        for (int e = 0; e < picture.Edges.Count; e++)
            svg.Append($"<path class=\"edge\" data-edge=\"{e}\" d=\"{LayeredGraphSvg.PathData(arranged.Paths[e])}\" marker-end=\"url(#arrow)\"/>\n");
        svg.Append("</g>\n<g class=\"nodes\">\n");
        foreach (var vertex in arranged.Vertices)
            AppendNode(svg, recording, picture.Nodes[vertex.Index], recordedOf[vertex.Index], vertex);
        svg.Append("</g>\n<g class=\"edge-labels\">\n");
        for (int e = 0; e < picture.Edges.Count; e++)
        {
            var placement = arranged.Placements[e];
            svg.Append($"<text class=\"label value\" data-edge=\"{e}\" x=\"{N(placement.ValueBaseline.X)}\" y=\"{N(placement.ValueBaseline.Y)}\">")
               .Append(XmlText.Escape(FigureStyle.ValueText(picture.Edges[e]))).Append("</text>\n");
            if (LayeredGraphSvg.GradientText(picture.Edges[e]) is string gradient)
                svg.Append($"<text class=\"label gradient\" data-edge=\"{e}\" x=\"{N(placement.GradientBaseline.X)}\" y=\"{N(placement.GradientBaseline.Y)}\">")
                   .Append(XmlText.Escape(gradient)).Append("</text>\n");
        }
        svg.Append("</g>\n</svg>\n");
        return svg.ToString();
    }

    // A module's box surrounds the nodes it made and the parameters it owns, with room for its name on top.
    private static Dictionary<string, Box> GroupBoxes(Recording recording, List<int> recordedOf, LayeredGraphSvg.Arrangement arranged)
    {
        var boxes = new Dictionary<string, Box>(StringComparer.Ordinal);
        foreach (var vertex in arranged.Vertices)
        {
            if (vertex.Node!.Kind == GraphNodeKind.Output) continue;
            if (recording.Nodes[recordedOf[vertex.Index]].Module is not { } module) continue;
            Box around = vertex.Bounds.Inflate(GroupPadding);
            around = new Box(around.Left, around.Top - GroupTitleHeight, around.Width, around.Height + GroupTitleHeight);
            boxes[module] = boxes.TryGetValue(module, out Box box) ? box.Union(around) : around;
        }
        return boxes;
    }

    private static void AppendNode(StringBuilder svg, Recording recording, GraphNode node, int id, LayeredLayout.Vertex vertex)
    {
        RecordedNode recorded = recording.Nodes[id];
        bool output = node.Kind == GraphNodeKind.Output;
        string kind = output ? "output" : recorded.Kind.ToString().ToLowerInvariant();
        string module = recorded.Module is { } m && !output ? $" data-group=\"{XmlText.Escape(m)}\"" : "";
        string x = N(vertex.X), y = N(vertex.Y);
        svg.Append($"<g class=\"node {kind}\" data-node=\"{id}\"{module}{(output ? " data-output=\"1\"" : "")}>")
           .Append("<title>").Append(XmlText.Escape(Tooltip(recording, recorded, output))).Append("</title>");
        string label = XmlText.Escape(node.Label);
        if (node.Kind == GraphNodeKind.Operator)
            svg.Append($"<circle cx=\"{x}\" cy=\"{y}\" r=\"{N(vertex.Width / 2)}\"/>");
        else
            svg.Append($"<rect x=\"{N(vertex.X - vertex.Width / 2 - 4)}\" y=\"{N(vertex.Y - vertex.Height / 2)}\" width=\"{N(vertex.Width + 8)}\" height=\"{N(vertex.Height)}\" rx=\"6\"/>");
        svg.Append($"<text class=\"name\" x=\"{x}\" y=\"{y}\" dy=\"0.35em\">{label}</text>");
        // An input's total gradient, which no edge shows where the input feeds several gates (b = 27 + 36 = 63).
        if (!output && recorded.Kind is RecordedNodeKind.Input or RecordedNodeKind.Parameter && recorded.Gradient is { IsScalar: true } g)
            svg.Append($"<text class=\"total\" x=\"{N(vertex.X - vertex.Width / 2 - 10)}\" y=\"{y}\" dy=\"0.35em\">{XmlText.Escape(TotalText(g.Item))}</text>");
        if (!output && recorded.Check is { } check)
        {
            double dx = node.Kind == GraphNodeKind.Operator ? vertex.Width * 0.36 : vertex.Width / 2 + 4;
            double dy = node.Kind == GraphNodeKind.Operator ? vertex.Width * 0.36 : vertex.Height / 2;
            svg.Append($"<g class=\"badge {(check.Passed ? "pass" : "fail")}\"><circle cx=\"{N(vertex.X + dx)}\" cy=\"{N(vertex.Y - dy)}\" r=\"8\"/>")
               .Append($"<text x=\"{N(vertex.X + dx)}\" y=\"{N(vertex.Y - dy)}\" dy=\"0.35em\">{(check.Passed ? "✓" : "✗")}</text></g>");
        }
        svg.Append("</g>\n");
    }

    /// <summary>An input's total gradient, written left of it (inputs stand in the first column, so nothing else is there).</summary>
    internal static string TotalText(double gradient) => "∂ = " + CompactNumber.Format(gradient);

    // What a pointer over a node says: its name, what it is, its value and gradient — never an internal id.
    internal static string Tooltip(Recording recording, RecordedNode node, bool output)
    {
        string what = output ? "output" : node.Kind == RecordedNodeKind.Operation ? node.Operator : node.Kind.ToString().ToLowerInvariant();
        var text = new StringBuilder($"{node.Label} ({what})");
        text.Append(node.Value.IsScalar ? $" = {CompactNumber.Format(node.Value.Item)}" : $", shape [{string.Join(", ", node.Value.Shape)}]");
        string outputName = recording.Nodes[recording.Output].Label;
        if (node.Gradient is { IsScalar: true } g) text.Append($"; ∂{outputName}/∂{node.Label} = {CompactNumber.Format(g.Item)}");
        if (node.Check is { } check) text.Append(check.Passed ? "; numerical check passed" : "; numerical check FAILED");
        return text.ToString();
    }

    private static string N(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);
}
