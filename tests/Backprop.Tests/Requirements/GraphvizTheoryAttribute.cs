using Backprop.Teaching.Visualization;

namespace Backprop.Tests.Requirements;

/// <summary>A theory that needs Graphviz's <c>dot</c> on PATH; skipped with the reason without it.</summary>
public sealed class GraphvizTheoryAttribute : TheoryAttribute
{
    /// <summary>Skips the theory when <c>dot</c> is not found.</summary>
    public GraphvizTheoryAttribute()
    {
        if (Skip is null && !GraphSvg.IsGraphvizAvailable)
            Skip = "Graphviz is not installed: 'dot' is not on PATH (apt-get install graphviz)";
    }
}
