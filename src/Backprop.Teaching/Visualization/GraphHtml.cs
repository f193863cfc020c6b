using System.Text;

namespace Backprop.Teaching.Visualization;

/// <summary>A standalone HTML page showing a computation graph and a table of its nodes.</summary>
public static class GraphHtml
{
    /// <summary>
    /// The page: a heading, the picture (inline SVG from <see cref="GraphSvg.Render"/>) and a table with each node's
    /// name, operation, value and gradient (the output's value is the row of the gate that computes it). Needs no external files, scripts or fonts.
    /// </summary>
    /// <param name="picture">The graph to show.</param>
    /// <param name="title">Heading and page title, e.g. the program text; escaped.</param>
    /// <param name="engine">Passed on to <see cref="GraphSvg.Render"/>.</param>
    public static string Render(GraphPicture picture, string title, GraphLayoutEngine engine = GraphLayoutEngine.Auto)
    {
        ArgumentNullException.ThrowIfNull(picture);
        ArgumentNullException.ThrowIfNull(title);
        string svg = GraphSvg.Render(picture, engine);
        string heading = XmlText.Escape(title);

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<title>").Append(heading).Append("</title>\n<style>\n")
            .Append($"body {{ font-family: {FigureStyle.FontFamily}; color: {FigureStyle.InkColor}; margin: 24px; }}\n")
            .Append("h1 { font-size: 20px; font-weight: 600; font-family: ui-monospace, Menlo, Consolas, monospace; }\n")
            .Append("figure { margin: 0 0 24px 0; overflow-x: auto; }\n")
            .Append("table { border-collapse: collapse; font-size: 14px; }\n")
            .Append("th, td { padding: 4px 14px; border-bottom: 1px solid #d0d7de; text-align: left; }\n")
            .Append("td.number { text-align: right; font-variant-numeric: tabular-nums; }\n")
            .Append($"th.value, td.value {{ color: {FigureStyle.ValueColor}; }}\n")
            .Append($"th.gradient, td.gradient {{ color: {FigureStyle.GradientColor}; }}\n")
            .Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>").Append(heading).Append("</h1>\n<figure>\n").Append(svg).Append("</figure>\n");
        html.Append("<table>\n<thead><tr><th>name</th><th>op</th><th class=\"value\">value</th><th class=\"gradient\">gradient</th></tr></thead>\n<tbody>\n");
        // The output node repeats the value of the gate that computes it (already a row), so it gets none of its own.
        foreach (GraphNode node in picture.Nodes.Where(node => node.Kind != GraphNodeKind.Output))
        {
            html.Append("<tr><td>").Append(XmlText.Escape(NameOf(node)))
                .Append("</td><td>").Append(XmlText.Escape(OperationOf(node)))
                .Append("</td><td class=\"number value\">").Append(Optional(node.Value))
                .Append("</td><td class=\"number gradient\">").Append(Optional(node.Gradient))
                .Append("</td></tr>\n");
        }
        html.Append("</tbody>\n</table>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static string NameOf(GraphNode node) =>
        node.Name ?? (node.Kind is GraphNodeKind.Input or GraphNodeKind.Output ? node.Label : "");

    private static string OperationOf(GraphNode node) => node.Kind switch
    {
        GraphNodeKind.Operator => node.Label,
        GraphNodeKind.Constant => "constant",
        GraphNodeKind.Input => "input",
        _ => "output",
    };

    private static string Optional(double? number) => number is double value ? XmlText.Escape(CompactNumber.Format(value)) : "";
}
