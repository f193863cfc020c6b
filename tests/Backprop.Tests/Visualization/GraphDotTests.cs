using Backprop.Teaching.Visualization;

namespace Backprop.Tests.Visualization;

public class GraphDotTests
{
    [Fact]
    public void DeclaresLeftToRightLayoutAndEveryNode()
    {
        string dot = GraphDot.Render(SampleGraphs.Lecture());
        Assert.StartsWith("digraph", dot);
        Assert.Contains("rankdir=LR", dot);
        int circles = dot.Split('\n').Count(line => line.Contains("shape=circle"));
        Assert.Equal(6, circles);
        // An input is written with its total gradient under its name: b's 63 is on none of its two edges.
        Assert.Contains("label=<<b>w</b><br/><font color=\"#c62828\" point-size=\"13\">∂ = 18</font>>", dot);
        Assert.Contains("label=<<b>b</b><br/><font color=\"#c62828\" point-size=\"13\">∂ = 63</font>>", dot);
        foreach (string label in new[] { "label=<2>", "label=<3>", "label=<1>", "label=<*>", "label=<+>" })
            Assert.Contains(label, dot);
        // Each of the 13 edges runs through its label's node: 26 halves, 13 label nodes.
        Assert.Equal(26, dot.Split('\n').Count(line => line.Contains(" -> ")));
        Assert.Equal(13, dot.Split('\n').Count(line => line.TrimStart().StartsWith('e') && line.Contains("label=<")));
    }

    [Fact]
    public void EveryEdgeCarriesValueAndGradientInTheirColours()
    {
        string dot = GraphDot.Render(SampleGraphs.Lecture());
        string edgeLine = dot.Split('\n').Single(line => line.Contains("x = 18") && line.TrimStart().StartsWith('e'));
        Assert.Contains("<font color=\"#1a7f37\">x = 18</font><br/><font color=\"#c62828\">9</font>", edgeLine);
        // A constant's edge has no gradient: only the value line.
        Assert.Contains(dot.Split('\n'), line => line.TrimStart().StartsWith('e') && line.EndsWith("label=<<font color=\"#1a7f37\">1</font>>];"));
        Assert.Contains("<font color=\"#c62828\">36</font>", dot);
    }

    [Fact]
    public void LabelsAreEscapedAndIdsNeverLeak()
    {
        var picture = new GraphPicture(
            [new GraphNode("a\"b", "<in & 'out'>", GraphNodeKind.Input), new GraphNode("op", "ln", GraphNodeKind.Operator)],
            [new GraphEdge("a\"b", "op", 1.5, -0.25, "v<1>")]);
        string dot = GraphDot.Render(picture);
        Assert.Contains("&lt;in &amp; &#39;out&#39;&gt;", dot);
        Assert.Contains("v&lt;1&gt; = 1.5", dot);
        Assert.DoesNotContain("a\"b", dot);
    }

    [Fact]
    public void RejectsEdgesToUnknownNodes()
    {
        var picture = new GraphPicture([new GraphNode("a", "a", GraphNodeKind.Input)], [new GraphEdge("a", "nowhere", 1)]);
        Assert.Throws<ArgumentException>(() => GraphDot.Render(picture));
    }

    [Theory]
    [InlineData(162.0, "162")]
    [InlineData(0.5, "0.5")]
    [InlineData(1.0 / 3, "0.3333")]
    [InlineData(-2.0 / 3, "-0.6667")]
    [InlineData(123.456789, "123.4568")]
    [InlineData(0.000123456, "0.0001235")]
    [InlineData(0.0000123456, "1.235e-5")]
    [InlineData(25000000.0, "2.5e+7")]
    [InlineData(-0.0, "0")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(1e-20, "1e-20")]
    public void NumbersAreCompactAndInvariant(double value, string expected) =>
        Assert.Equal(expected, CompactNumber.Format(value));
}
