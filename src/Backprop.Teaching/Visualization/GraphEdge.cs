namespace Backprop.Teaching.Visualization;

/// <summary>An edge of a <see cref="GraphPicture"/>: a value flowing forward from one node into another.</summary>
/// <param name="From">Id of the node producing the value.</param>
/// <param name="To">Id of the node consuming it.</param>
/// <param name="Value">The forward value carried by the edge (drawn above it).</param>
/// <param name="Gradient">d(output)/d(value) flowing back along the edge (drawn below it); null to draw none.</param>
/// <param name="Name">The variable name of the value, if it has one ("x"); drawn as "x = 18".</param>
/// <param name="Text">What to draw above the edge instead of the value, for edges carrying tensors rather than
/// numbers (an imported ONNX graph labels its edges with shapes, such as "[1, 784]"); null to draw the value.</param>
public sealed record GraphEdge(string From, string To, double Value, double? Gradient = null, string? Name = null, string? Text = null);
