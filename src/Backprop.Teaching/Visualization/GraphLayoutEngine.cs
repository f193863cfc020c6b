namespace Backprop.Teaching.Visualization;

/// <summary>Who lays out and draws a computation graph for <see cref="GraphSvg"/>.</summary>
public enum GraphLayoutEngine
{
    /// <summary>Graphviz <c>dot</c> when it is on PATH and succeeds; otherwise the built-in layout.</summary>
    Auto,
    /// <summary>Graphviz <c>dot</c> only; failing if it is missing or fails.</summary>
    Graphviz,
    /// <summary>The built-in layered layout, which needs nothing installed.</summary>
    BuiltIn,
}
