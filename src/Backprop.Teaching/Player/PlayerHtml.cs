using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Backprop.Teaching.Visualization;

namespace Backprop.Teaching.Player;

/// <summary>
/// Writes a <see cref="Recording"/> as the player: one HTML page holding the graph (laid out here, as the still
/// pictures are), the recording as JSON, and the small script and style of <see cref="PlayerAssets"/>. Nothing is
/// loaded from anywhere else, so the file works offline and from disk.
/// </summary>
internal static partial class PlayerHtml
{
    public static string Render(Recording recording)
    {
        (GraphPicture picture, List<int> pictureNode) = PictureOf(recording);
        LayeredGraphSvg.Arrangement arranged = LayeredGraphSvg.Arrange(picture);
        string svg = PlayerSvg.Render(recording, picture, pictureNode, arranged);
        string title = XmlText.Escape(recording.Title);

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(title).Append("</title>\n<style>\n").Append(PlayerAssets.Style).Append("</style>\n</head>\n<body>\n");
        html.Append("<header><h1>").Append(title).Append("</h1>");
        if (recording.Subtitle is { } subtitle) html.Append("<p class=\"subtitle\">").Append(XmlText.Escape(subtitle)).Append("</p>");
        html.Append("</header>\n");
        html.Append("""
            <nav id="controls" aria-label="player controls">
            <button id="first" type="button" title="first step (Home)" aria-label="first step">«</button>
            <button id="back" type="button" title="step back (←)" aria-label="step back">◀</button>
            <button id="play" type="button" title="play or pause (space)" aria-label="play">▶ play</button>
            <button id="next" type="button" title="step forward (→)" aria-label="step forward">▶</button>
            <button id="last" type="button" title="last step (End)" aria-label="last step">»</button>
            <label for="jump">jump to</label> <select id="jump"></select>
            <span id="position" aria-live="polite"></span>
            </nav>
            <p id="keys">keys: → or l step forward, ← or h step back, space play/pause, Home/End first/last, j jump to a node</p>
            <main>
            <figure id="graph">
            """);
        html.Append(svg).Append("</figure>\n<section id=\"detail\" aria-live=\"polite\"></section>\n</main>\n");
        html.Append("<script type=\"application/json\" id=\"recording\">").Append(ScriptSafe(RecordingJson.Write(recording, picture, pictureNode)))
            .Append("</script>\n<script>\n").Append(PlayerAssets.Script).Append("</script>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>
    /// The picture the player draws: one node per recorded value (plus the named output), an edge per gate input
    /// carrying the forward value (or the shape, for tensors) and the gradient sent back along it.
    /// </summary>
    internal static (GraphPicture Picture, List<int> RecordedNodeOf) PictureOf(Recording recording)
    {
        var nodes = new List<GraphNode>();
        var edges = new List<GraphEdge>();
        var recordedOf = new List<int>();
        var handed = new Dictionary<(int Gate, int Input, int Slot), double>();
        foreach (RecordedStep step in recording.Backward)
            for (int k = 0; k < step.Inputs.Count; k++)
                if (step.Inputs[k].Downstream is { IsScalar: true } d) handed[(step.Node, step.Inputs[k].Input, k)] = d.Item;
        foreach (RecordedNode node in recording.Nodes)
        {
            (string label, GraphNodeKind kind) = node.Kind switch
            {
                RecordedNodeKind.Operation => (node.Operator, GraphNodeKind.Operator),
                // A parameter or a data batch is laid out as a constant is, beside the gate that reads it (inside its
                // module's box) rather than in the first column with the inputs.
                RecordedNodeKind.Constant or RecordedNodeKind.Parameter => (node.Label, GraphNodeKind.Constant),
                _ => (node.Label, GraphNodeKind.Input),
            };
            nodes.Add(new GraphNode(IdOf(node.Id), label, kind, Scalar(node.Value), node.Gradient is { IsScalar: true } g ? g.Item : null, node.Label));
            recordedOf.Add(node.Id);
            for (int k = 0; k < node.Inputs.Count; k++)
            {
                RecordedNode input = recording.Nodes[node.Inputs[k]];
                edges.Add(EdgeOf(input, node.Id, handed.TryGetValue((node.Id, input.Id, k), out double sent) ? sent : null));
            }
        }
        RecordedNode output = recording.Nodes[recording.Output];
        if (output.Kind == RecordedNodeKind.Operation)
        {
            // A bare expression names the output by its whole text, which the heading already shows.
            string name = output.Label.Length <= MaxOutputLabel ? output.Label : "output";
            nodes.Add(new GraphNode("output", name, GraphNodeKind.Output, Scalar(output.Value), output.Gradient is { IsScalar: true } g ? g.Item : null, output.Label));
            recordedOf.Add(output.Id);
            edges.Add(EdgeOf(output, -1, output.Gradient is { IsScalar: true } og ? og.Item : null) with { To = "output" });
        }
        return (new GraphPicture(nodes, edges), recordedOf);
    }

    private const int MaxOutputLabel = 12;

    internal static string IdOf(int node) => "v" + node.ToString(CultureInfo.InvariantCulture);

    private static GraphEdge EdgeOf(RecordedNode from, int to, double? gradient) =>
        new(IdOf(from.Id), to < 0 ? "output" : IdOf(to), Scalar(from.Value) ?? 0, gradient, EdgeName(from),
            from.Value.IsScalar ? null : "[" + string.Join(", ", from.Value.Shape) + "]");

    // A named intermediate ("x") is written on its edges as "x = 18"; an expression ("2*w") or an engine operator is not.
    private static string? EdgeName(RecordedNode node) =>
        node.Kind == RecordedNodeKind.Operation && node.Label != node.Operator && Identifier().IsMatch(node.Label) ? node.Label : null;

    private static double? Scalar(TensorSnapshot value) => value.IsScalar ? value.Item : null;

    // Inside <script>, "</" would end the element early; JSON allows "\/" for "/".
    private static string ScriptSafe(string json) => json.Replace("</", "<\\/", StringComparison.Ordinal);

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*'*$")]
    private static partial Regex Identifier();
}
