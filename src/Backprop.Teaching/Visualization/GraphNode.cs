namespace Backprop.Teaching.Visualization;

/// <summary>A node of a <see cref="GraphPicture"/>.</summary>
/// <param name="Id">Unique key that edges refer to; never shown.</param>
/// <param name="Label">What is written on the node: an operator ("*", "+", "ln"), an input name ("w") or a constant ("2").</param>
/// <param name="Kind">How the node is drawn.</param>
/// <param name="Value">The node's forward value, for the table of nodes; optional.</param>
/// <param name="Gradient">d(output)/d(this node), for the table of nodes; optional.</param>
/// <param name="Name">The program variable holding this node's value ("x" for <c>x = 2*w + 3*b</c>), if any.</param>
public sealed record GraphNode(
    string Id,
    string Label,
    GraphNodeKind Kind,
    double? Value = null,
    double? Gradient = null,
    string? Name = null);
