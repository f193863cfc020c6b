namespace Backprop.Teaching.Visualization;

/// <summary>Colours and fonts shared by every figure, so the DOT, SVG and HTML outputs agree.</summary>
internal static class FigureStyle
{
    public const string FontFamily = "Helvetica, Arial, sans-serif";
    /// <summary>Graphviz resolves font names itself; this list finds a sans-serif face on most systems.</summary>
    public const string GraphvizFont = "Helvetica,Arial,sans-serif";
    public const string ValueColor = "#1a7f37";
    public const string GradientColor = "#c62828";
    public const string InkColor = "#24292f";
    public const string EdgeColor = "#57606a";
    public const string ConstantColor = "#6e7781";
    public const string OperatorFill = "#f3f6fa";
    public const string OutputColor = "#0b4f9c";
    public const string GridColor = "#e6e9ed";

    /// <summary>The total gradient written at an input: "∂ = 63".</summary>
    public static string TotalText(double gradient) => "∂ = " + CompactNumber.Format(gradient);

    /// <summary>What a pointer over a node shows: its name, what it is, its value and gradient (never an internal id).</summary>
    public static string Tooltip(GraphNode node)
    {
        string what = node.Kind switch
        {
            GraphNodeKind.Operator => node.Label,
            _ => node.Kind.ToString().ToLowerInvariant(),
        };
        string name = node.Name ?? node.Label;
        string text = $"{name} ({what})";
        if (node.Value is double value) text += $" = {CompactNumber.Format(value)}";
        if (node.Gradient is double gradient) text += $", gradient {CompactNumber.Format(gradient)}";
        return text;
    }

    /// <summary>The text written above an edge: "x = 18" when the value has a name, else "18".</summary>
    public static string ValueText(GraphEdge edge) =>
        edge.Text is not null ? edge.Text
        : edge.Name is null ? CompactNumber.Format(edge.Value) : $"{edge.Name} = {CompactNumber.Format(edge.Value)}";
}
