namespace Backprop.Teaching.Visualization;

/// <summary>Draws a <see cref="GraphPicture"/> as an SVG document.</summary>
public static class GraphSvg
{
    /// <summary>
    /// The SVG text of the picture, starting at the <c>&lt;svg</c> element (no XML declaration or doctype, so it can
    /// be saved as a file or embedded in HTML as is).
    /// </summary>
    /// <param name="picture">The graph to draw.</param>
    /// <param name="engine">
    /// <see cref="GraphLayoutEngine.Auto"/> (default) uses Graphviz <c>dot -Tsvg</c> when available and falls back to the
    /// built-in layered layout when dot is missing, fails, or takes longer than 20 seconds.
    /// </param>
    /// <exception cref="ArgumentException">Unknown or repeated node ids, or a cycle.</exception>
    /// <exception cref="InvalidOperationException"><see cref="GraphLayoutEngine.Graphviz"/> was requested and dot failed.</exception>
    public static string Render(GraphPicture picture, GraphLayoutEngine engine = GraphLayoutEngine.Auto)
    {
        ArgumentNullException.ThrowIfNull(picture);
        picture.Validate();
        switch (engine)
        {
            case GraphLayoutEngine.Graphviz:
                return ReadableTitles(WithoutProlog(GraphvizRunner.RenderSvg(GraphDot.Render(picture))), picture);
            case GraphLayoutEngine.BuiltIn:
                return LayeredGraphSvg.Render(picture);
            default:
                if (GraphvizRunner.FindDot() is not null)
                {
                    try
                    {
                        return ReadableTitles(WithoutProlog(GraphvizRunner.RenderSvg(GraphDot.Render(picture))), picture);
                    }
                    catch (InvalidOperationException)
                    {
                        // A broken Graphviz installation should not cost the user the picture.
                    }
                }
                return LayeredGraphSvg.Render(picture);
        }
    }

    /// <summary>True when Graphviz <c>dot</c> is on PATH, i.e. when <see cref="GraphLayoutEngine.Auto"/> will try it.</summary>
    public static bool IsGraphvizAvailable => GraphvizRunner.FindDot() is not null;

    // Graphviz titles every node and edge with its DOT id ("n4", "n0->n2"), which a browser shows as the tooltip;
    // the reader gets the node's name, kind, value and gradient instead (GraphDot numbers the nodes in order).
    private static string ReadableTitles(string svg, GraphPicture picture)
    {
        GraphNode? Node(string dotId) =>
            dotId.StartsWith('n') && int.TryParse(dotId.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int i)
                && i < picture.Nodes.Count ? picture.Nodes[i] : null;
        // An edge's label is a node of its own ("e3") that the edge's two halves pass through (GraphDot).
        GraphEdge? Edge(string dotId) =>
            dotId.StartsWith('e') && int.TryParse(dotId.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int i)
                && i < picture.Edges.Count ? picture.Edges[i] : null;
        string? Arrow(GraphEdge edge) =>
            picture.Nodes.FirstOrDefault(n => n.Id == edge.From) is { } a && picture.Nodes.FirstOrDefault(n => n.Id == edge.To) is { } b
                ? $"{a.Name ?? a.Label} → {b.Name ?? b.Label}" : null;
        return System.Text.RegularExpressions.Regex.Replace(svg, "<title>([^<]*)</title>", match =>
        {
            string id = match.Groups[1].Value;
            string? text = Node(id) is { } node ? FigureStyle.Tooltip(node)
                : Edge(id) is { } labelled ? Arrow(labelled)
                : id.Split("&#45;&gt;") is [string from, string to]
                    ? (Edge(from) ?? Edge(to)) is { } half ? Arrow(half)
                    : Node(from) is { } a && Node(to) is { } b ? $"{a.Name ?? a.Label} → {b.Name ?? b.Label}" : null
                : null;
            return text is null ? "" : "<title>" + XmlText.Escape(text) + "</title>";
        });
    }

    // dot writes an XML declaration, a DOCTYPE and comments before <svg>; inline SVG in HTML must not carry them.
    private static string WithoutProlog(string svg)
    {
        int start = svg.IndexOf("<svg", StringComparison.Ordinal);
        return start > 0 ? svg[start..] : svg;
    }
}
