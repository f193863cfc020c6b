using System.Globalization;
using System.Text;

namespace Backprop.Teaching.Visualization;

/// <summary>
/// Draws a <see cref="GraphPicture"/> as SVG with the built-in <see cref="LayeredLayout"/>: the fallback used
/// when Graphviz is not installed, and selectable on purpose with <see cref="GraphLayoutEngine.BuiltIn"/>.
/// </summary>
internal static class LayeredGraphSvg
{
    private const double OperatorFontSize = 18;
    private const double NameFontSize = 19;
    private const double ConstantFontSize = 17;
    private const double Margin = 18;
    private const double TotalFontSize = 13;

    /// <summary>A picture laid out: its vertices, each edge's curve, where each edge's labels go, and the bounds of it all.</summary>
    internal sealed record Arrangement(
        LayeredLayout Layout,
        IReadOnlyList<LayeredLayout.Vertex> Vertices,
        IReadOnlyList<List<CubicSegment>> Paths,
        IReadOnlyList<EdgeLabelPlacer.Placement> Placements,
        Box Bounds);

    /// <summary>Lays the picture out and places the edge labels where they collide with no node, edge or other label.</summary>
    internal static Arrangement Arrange(GraphPicture picture)
    {
        LayeredLayout layout = LayeredLayout.Compute(picture, Measure, RequiredGap);
        var paths = picture.Edges.Select((_, e) => RouteEdge(layout, e)).ToList();
        var realVertices = layout.Vertices.Where(v => !v.IsWaypoint).ToList();
        var placer = new EdgeLabelPlacer(realVertices.Select(v => v.Bounds), paths);
        var placements = picture.Edges.Select((edge, e) =>
            placer.Place(e, paths[e], FigureStyle.ValueText(edge), GradientText(edge))).ToList();

        Box bounds = realVertices.Select(v => v.Bounds).Aggregate(new Box(0, 0, 1, 1), (a, b) => a.Union(b));
        foreach (var placement in placements)
        {
            bounds = bounds.Union(placement.ValueBox);
            if (placement.GradientBox is Box box) bounds = bounds.Union(box);
        }
        foreach (var segment in paths.SelectMany(path => path))
            for (int k = 0; k <= 8; k++) bounds = bounds.Union(Box.Around(segment.At(k / 8.0), 2, 2));
        // Room for each input's total gradient, written left of it (inputs stand in the first column).
        foreach (var vertex in realVertices)
            if (vertex.Node!.Kind == GraphNodeKind.Input && vertex.Node.Gradient is double total)
            {
                double width = TextMetrics.Width(FigureStyle.TotalText(total), TotalFontSize, bold: true);
                bounds = bounds.Union(new Box(vertex.X - vertex.Width / 2 - 10 - width, vertex.Y - 8, width, 16));
            }
        return new Arrangement(layout, realVertices, paths, placements, bounds);
    }

    public static string Render(GraphPicture picture)
    {
        Arrangement arranged = Arrange(picture);
        var (paths, placements, realVertices, bounds) = (arranged.Paths, arranged.Placements, arranged.Vertices, arranged.Bounds);
        Box legend = LegendBox(bounds);
        bounds = bounds.Union(legend).Inflate(Margin);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{N(bounds.Width)}\" height=\"{N(bounds.Height)}\" ");
        svg.Append(CultureInfo.InvariantCulture,
            $"viewBox=\"{N(bounds.Left)} {N(bounds.Top)} {N(bounds.Width)} {N(bounds.Height)}\" font-family=\"{FigureStyle.FontFamily}\">\n");
        svg.Append("<defs><marker id=\"bp-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" ")
           .Append($"orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{FigureStyle.EdgeColor}\"/></marker></defs>\n");
        svg.Append($"<rect x=\"{N(bounds.Left)}\" y=\"{N(bounds.Top)}\" width=\"{N(bounds.Width)}\" height=\"{N(bounds.Height)}\" fill=\"white\"/>\n");

        svg.Append("<g class=\"edges\" fill=\"none\" stroke=\"").Append(FigureStyle.EdgeColor).Append("\" stroke-width=\"1.5\">\n");
        foreach (var path in paths)
            svg.Append("<path d=\"").Append(PathData(path)).Append("\" marker-end=\"url(#bp-arrow)\"/>\n");
        svg.Append("</g>\n<g class=\"nodes\">\n");
        foreach (var vertex in realVertices)
            AppendNode(svg, vertex);
        svg.Append("</g>\n<g class=\"edge-labels\" font-size=\"").Append(N(EdgeLabelPlacer.FontSize))
           .Append("\" text-anchor=\"middle\" stroke=\"white\" stroke-width=\"4\" stroke-linejoin=\"round\" paint-order=\"stroke\">\n");
        for (int e = 0; e < picture.Edges.Count; e++)
        {
            var placement = placements[e];
            AppendText(svg, placement.ValueBaseline, FigureStyle.ValueText(picture.Edges[e]), FigureStyle.ValueColor, "value");
            if (GradientText(picture.Edges[e]) is string gradient)
                AppendText(svg, placement.GradientBaseline, gradient, FigureStyle.GradientColor, "gradient");
        }
        svg.Append("</g>\n");
        AppendLegend(svg, legend);
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    internal static string? GradientText(GraphEdge edge) =>
        edge.Gradient is double gradient ? CompactNumber.Format(gradient) : null;

    private static (double Width, double Height) Measure(GraphNode node)
    {
        switch (node.Kind)
        {
            case GraphNodeKind.Operator:
                double diameter = Math.Max(40, TextMetrics.Width(node.Label, OperatorFontSize) + 18);
                return (diameter, diameter);
            case GraphNodeKind.Constant:
                return (TextMetrics.Width(node.Label, ConstantFontSize) + 8, 24);
            default:
                return (TextMetrics.Width(node.Label, NameFontSize, bold: true) + 8, 26);
        }
    }

    // The gap between two columns must fit the widest label of the edges crossing it, plus room for the curve.
    private static double RequiredGap(IEnumerable<GraphEdge> crossing)
    {
        double widest = crossing
            .Select(edge => Math.Max(TextMetrics.Width(FigureStyle.ValueText(edge), EdgeLabelPlacer.FontSize),
                GradientText(edge) is string g ? TextMetrics.Width(g, EdgeLabelPlacer.FontSize) : 0))
            .DefaultIfEmpty(0).Max();
        return Math.Max(130, widest * 2 + 50);
    }

    // An edge leaves its source on the right and enters its target on the left. Several edges at one node get
    // ports spread around the circle (or along the text's side), ordered by where their other end is, so
    // they fan out instead of meeting in one point.
    private static List<CubicSegment> RouteEdge(LayeredLayout layout, int edgeIndex)
    {
        int[] route = layout.Routes[edgeIndex];
        var segments = new List<CubicSegment>();
        for (int k = 0; k + 1 < route.Length; k++)
        {
            var (start, startDirection) = Port(layout, route[k], edgeIndex, outgoing: true);
            var (end, endDirection) = Port(layout, route[k + 1], edgeIndex, outgoing: false);
            double reach = Math.Max(18, 0.45 * Math.Abs(end.X - start.X));
            segments.Add(new CubicSegment(start, start + startDirection * reach, end - endDirection * reach, end));
        }
        return segments;
    }

    private static (Point Position, Point Direction) Port(LayeredLayout layout, int vertexIndex, int edgeIndex, bool outgoing)
    {
        var vertex = layout.Vertices[vertexIndex];
        if (vertex.IsWaypoint)
            return (vertex.Center, new Point(1, 0));

        // The edges at this side of the node, top to bottom by the position of their neighbour.
        var sameSide = Enumerable.Range(0, layout.Routes.Count)
            .Where(e => outgoing ? layout.Routes[e][0] == vertexIndex : layout.Routes[e][^1] == vertexIndex)
            .OrderBy(e => layout.Vertices[outgoing ? layout.Routes[e][1] : layout.Routes[e][^2]].Y)
            .ThenBy(e => e)
            .ToList();
        int count = sameSide.Count, slot = sameSide.IndexOf(edgeIndex);
        double side = outgoing ? 1 : -1;
        double fraction = count == 1 ? 0 : slot / (double)(count - 1) - 0.5;

        if (vertex.Node!.Kind == GraphNodeKind.Operator)
        {
            double spread = Math.Min(110, 40 * (count - 1)) * Math.PI / 180;
            double angle = fraction * spread;
            double radius = vertex.Width / 2;
            var position = new Point(vertex.X + side * radius * Math.Cos(angle), vertex.Y + radius * Math.Sin(angle));
            // Along the radius: outwards when leaving, inwards when arriving.
            var direction = outgoing ? new Point(Math.Cos(angle), Math.Sin(angle)) : new Point(Math.Cos(angle), -Math.Sin(angle));
            return (position, direction);
        }
        double offset = fraction * Math.Min(vertex.Height - 8, 9 * (count - 1));
        return (new Point(vertex.X + side * (vertex.Width / 2 + 2), vertex.Y + offset), new Point(1, 0));
    }

    internal static string PathData(IReadOnlyList<CubicSegment> path)
    {
        var data = new StringBuilder();
        data.Append('M').Append(P(path[0].Start));
        foreach (var segment in path)
            data.Append(" C").Append(P(segment.Control1)).Append(' ').Append(P(segment.Control2)).Append(' ').Append(P(segment.End));
        return data.ToString();
    }

    private static void AppendNode(StringBuilder svg, LayeredLayout.Vertex vertex)
    {
        GraphNode node = vertex.Node!;
        string label = XmlText.Escape(node.Label);
        string y = N(vertex.Y);
        // The same tooltip as the Graphviz picture's: the node's name, kind, value and gradient.
        svg.Append("<g><title>").Append(XmlText.Escape(FigureStyle.Tooltip(node))).Append("</title>\n");
        switch (node.Kind)
        {
            case GraphNodeKind.Operator:
                svg.Append($"<circle cx=\"{N(vertex.X)}\" cy=\"{y}\" r=\"{N(vertex.Width / 2)}\" fill=\"{FigureStyle.OperatorFill}\" ")
                   .Append($"stroke=\"{FigureStyle.InkColor}\" stroke-width=\"1.6\"/>\n");
                svg.Append($"<text x=\"{N(vertex.X)}\" y=\"{y}\" dy=\"0.35em\" text-anchor=\"middle\" font-size=\"{N(OperatorFontSize)}\" ")
                   .Append($"fill=\"{FigureStyle.InkColor}\">{label}</text>\n");
                break;
            case GraphNodeKind.Constant:
                svg.Append($"<text x=\"{N(vertex.X)}\" y=\"{y}\" dy=\"0.35em\" text-anchor=\"middle\" font-size=\"{N(ConstantFontSize)}\" ")
                   .Append($"fill=\"{FigureStyle.ConstantColor}\">{label}</text>\n");
                break;
            default:
                if (node.Kind == GraphNodeKind.Input && node.Gradient is double total)
                    svg.Append($"<text x=\"{N(vertex.X - vertex.Width / 2 - 8)}\" y=\"{y}\" dy=\"0.35em\" text-anchor=\"end\" font-size=\"{N(TotalFontSize)}\" ")
                       .Append($"font-weight=\"bold\" fill=\"{FigureStyle.GradientColor}\">{XmlText.Escape(FigureStyle.TotalText(total))}</text>\n");
                string color = node.Kind == GraphNodeKind.Output ? FigureStyle.OutputColor : FigureStyle.InkColor;
                svg.Append($"<text x=\"{N(vertex.X)}\" y=\"{y}\" dy=\"0.35em\" text-anchor=\"middle\" font-size=\"{N(NameFontSize)}\" ")
                   .Append($"font-weight=\"bold\" fill=\"{color}\">{label}</text>\n");
                break;
        }
        svg.Append("</g>\n");
    }

    private static void AppendText(StringBuilder svg, Point baseline, string text, string color, string role) =>
        svg.Append($"<text class=\"{role}\" x=\"{N(baseline.X)}\" y=\"{N(baseline.Y)}\" fill=\"{color}\">{XmlText.Escape(text)}</text>\n");

    private const string LegendExplanation = "value of each edge above it, gradient of the output with respect to it below";

    private static Box LegendBox(Box drawing) =>
        new(drawing.Left, drawing.Bottom + 24, 90 + TextMetrics.Width(LegendExplanation, 13), 44);

    // A miniature edge showing where values and gradients are written, plus one sentence saying what they mean.
    private static void AppendLegend(StringBuilder svg, Box box)
    {
        double middle = box.Top + box.Height / 2;
        double left = box.Left + 4;
        svg.Append("<g class=\"legend\" font-size=\"13\">\n");
        svg.Append($"<path d=\"M{N(left)},{N(middle)} H{N(left + 70)}\" stroke=\"{FigureStyle.EdgeColor}\" stroke-width=\"1.5\" marker-end=\"url(#bp-arrow)\"/>\n");
        svg.Append($"<text x=\"{N(left + 35)}\" y=\"{N(middle - 6)}\" text-anchor=\"middle\" fill=\"{FigureStyle.ValueColor}\">value</text>\n");
        svg.Append($"<text x=\"{N(left + 35)}\" y=\"{N(middle + 17)}\" text-anchor=\"middle\" fill=\"{FigureStyle.GradientColor}\">gradient</text>\n");
        svg.Append($"<text x=\"{N(left + 86)}\" y=\"{N(middle)}\" dy=\"0.35em\" fill=\"{FigureStyle.ConstantColor}\">{LegendExplanation}</text>\n");
        svg.Append("</g>\n");
    }

    private static string P(Point p) => $"{N(p.X)},{N(p.Y)}";

    private static string N(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);
}
