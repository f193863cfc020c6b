using Backprop.Teaching.Visualization;

namespace Backprop.Tests.Requirements;

/// <summary>
/// A fact that needs Graphviz's <c>dot</c> on PATH. Without it the test is reported as skipped, with the reason,
/// rather than passing without having checked anything. <c>.ci/run</c> installs Graphviz where it can.
/// </summary>
public sealed class GraphvizFactAttribute : FactAttribute
{
    /// <summary>Skips the fact when <c>dot</c> is not found.</summary>
    public GraphvizFactAttribute()
    {
        if (Skip is null && !GraphSvg.IsGraphvizAvailable)
            Skip = "Graphviz is not installed: 'dot' is not on PATH (apt-get install graphviz)";
    }
}
