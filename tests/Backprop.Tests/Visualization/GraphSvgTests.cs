using System.Globalization;
using System.Xml.Linq;
using Backprop.Teaching.Visualization;
using Backprop.Tests.Requirements;

namespace Backprop.Tests.Visualization;

public class GraphSvgTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static XDocument Parse(string svg) => XDocument.Parse(svg);

    private static List<string> Texts(XDocument document) =>
        document.Descendants(Svg + "text").Select(text => text.Value).ToList();

    [Fact]
    public void BuiltInLayoutIsWellFormedAndShowsEveryLabel()
    {
        XDocument document = Parse(GraphSvg.Render(SampleGraphs.Lecture(), GraphLayoutEngine.BuiltIn));
        Assert.Equal("svg", document.Root!.Name.LocalName);
        var texts = Texts(document);
        foreach (string label in new[] { "w", "b", "z", "x = 18", "y = 9", "z = 162", "27", "36" })
            Assert.Contains(label, texts);
        Assert.Equal(6, document.Descendants(Svg + "circle").Count());
        Assert.Equal(13, document.Descendants(Svg + "path").Count(path => (string?)path.Attribute("marker-end") is not null) - 1); // minus legend arrow
        Assert.Equal(13, document.Descendants(Svg + "text").Count(text => (string?)text.Attribute("class") == "value"));
        Assert.Equal(9, document.Descendants(Svg + "text").Count(text => (string?)text.Attribute("class") == "gradient"));
        Assert.Contains(texts, text => text.Contains("gradient"));
    }

    [Fact]
    public void BuiltInLayoutPutsInputsLeftOfOperatorsAndOutputRightmost()
    {
        XDocument document = Parse(GraphSvg.Render(SampleGraphs.Lecture(), GraphLayoutEngine.BuiltIn));
        double X(string label) => document.Descendants(Svg + "g").First(g => (string?)g.Attribute("class") == "nodes")
            .Descendants(Svg + "text").Where(t => t.Value == label).Select(t => double.Parse((string)t.Attribute("x")!, CultureInfo.InvariantCulture)).Max();
        double leftmostCircle = document.Descendants(Svg + "circle").Min(c => double.Parse((string)c.Attribute("cx")!, CultureInfo.InvariantCulture));
        double rightmostCircle = document.Descendants(Svg + "circle").Max(c => double.Parse((string)c.Attribute("cx")!, CultureInfo.InvariantCulture));
        Assert.True(X("w") < leftmostCircle);
        Assert.True(X("b") < leftmostCircle);
        Assert.True(X("z") > rightmostCircle);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BuiltInEdgeLabelsDoNotOverlapEachOtherOrNodes(bool twentyNodes)
    {
        GraphPicture picture = twentyNodes ? SampleGraphs.Twenty() : SampleGraphs.Lecture();
        XDocument document = Parse(GraphSvg.Render(picture, GraphLayoutEngine.BuiltIn));
        double Number(XElement element, string name) => double.Parse((string)element.Attribute(name)!, CultureInfo.InvariantCulture);
        // Boxes as the renderer sizes text: 14px labels centred on x, baseline at y.
        var labels = document.Descendants(Svg + "text")
            .Where(text => (string?)text.Attribute("class") is "value" or "gradient")
            .Select(text =>
            {
                double width = TextMetrics.Width(text.Value, 14);
                return (Text: text.Value, Left: Number(text, "x") - width / 2, Right: Number(text, "x") + width / 2,
                    Top: Number(text, "y") - 11, Bottom: Number(text, "y") + 3);
            })
            .ToList();
        Assert.Equal(picture.Edges.Count, labels.Count - picture.Edges.Count(e => e.Gradient is not null));
        var circles = document.Descendants(Svg + "circle")
            .Select(c => (X: Number(c, "cx"), Y: Number(c, "cy"), R: Number(c, "r"))).ToList();
        for (int a = 0; a < labels.Count; a++)
        {
            for (int b = a + 1; b < labels.Count; b++)
            {
                bool overlap = labels[a].Left < labels[b].Right && labels[b].Left < labels[a].Right
                    && labels[a].Top < labels[b].Bottom && labels[b].Top < labels[a].Bottom;
                Assert.False(overlap, $"'{labels[a].Text}' overlaps '{labels[b].Text}'");
            }
            foreach (var circle in circles)
            {
                double nearestX = Math.Clamp(circle.X, labels[a].Left, labels[a].Right);
                double nearestY = Math.Clamp(circle.Y, labels[a].Top, labels[a].Bottom);
                Assert.True(Math.Pow(nearestX - circle.X, 2) + Math.Pow(nearestY - circle.Y, 2) > circle.R * circle.R,
                    $"'{labels[a].Text}' overlaps an operator");
            }
        }
    }

    [Fact]
    public void EscapesMarkupInLabelsAndNames() => CheckEscaping(GraphLayoutEngine.BuiltIn);

    [GraphvizFact]
    public void GraphvizPathEscapesMarkupInLabelsAndNames() => CheckEscaping(GraphLayoutEngine.Graphviz);

    private static void CheckEscaping(GraphLayoutEngine engine)
    {
        var picture = new GraphPicture(
            [new GraphNode("a", "<in & 'out'>", GraphNodeKind.Input), new GraphNode("op", "a<b", GraphNodeKind.Operator),
             new GraphNode("bad", "bell\u0007", GraphNodeKind.Output)],
            [new GraphEdge("a", "op", 1.5, -0.25, "v\"1\""), new GraphEdge("op", "bad", 2)]);
        XDocument document = Parse(GraphSvg.Render(picture, engine));
        var texts = Texts(document);
        Assert.Contains("<in & 'out'>", texts);
        Assert.Contains("a<b", texts);
        Assert.Contains(texts, text => text.Contains("v\"1\" = 1.5"));
    }

    [GraphvizFact]
    public void GraphvizPathIsWellFormedWhenDotIsInstalled()
    {
        string svg = GraphSvg.Render(SampleGraphs.Lecture(), GraphLayoutEngine.Graphviz);
        Assert.StartsWith("<svg", svg);
        var texts = Texts(Parse(svg));
        foreach (string label in new[] { "w", "b", "x = 18", "y = 9", "z = 162", "27", "36" })
            Assert.Contains(label, texts);
        Assert.Contains(texts, text => text.Contains("gradient"));
    }

    [Fact]
    public void AutoProducesWellFormedSvgEitherWay()
    {
        XDocument document = Parse(GraphSvg.Render(SampleGraphs.Twenty()));
        Assert.Contains("loss = 2.5", Texts(document));
    }

    [Fact]
    public void RepeatedEdgesBetweenTheSameNodesStayApart()
    {
        // z = x * x: both operands come from one node.
        var picture = new GraphPicture(
            [new GraphNode("x", "x", GraphNodeKind.Input), new GraphNode("m", "*", GraphNodeKind.Operator), new GraphNode("z", "z", GraphNodeKind.Output)],
            [new GraphEdge("x", "m", 3, 6), new GraphEdge("x", "m", 3, 6), new GraphEdge("m", "z", 9, 1)]);
        XDocument document = Parse(GraphSvg.Render(picture, GraphLayoutEngine.BuiltIn));
        var paths = document.Descendants(Svg + "g").First(g => (string?)g.Attribute("class") == "edges")
            .Elements(Svg + "path").Select(p => (string)p.Attribute("d")!).ToList();
        Assert.Equal(3, paths.Count);
        Assert.NotEqual(paths[0], paths[1]);
    }

    [Fact]
    public void RejectsCycles()
    {
        var picture = new GraphPicture(
            [new GraphNode("a", "+", GraphNodeKind.Operator), new GraphNode("b", "*", GraphNodeKind.Operator)],
            [new GraphEdge("a", "b", 1), new GraphEdge("b", "a", 2)]);
        Assert.Throws<ArgumentException>(() => GraphSvg.Render(picture, GraphLayoutEngine.BuiltIn));
    }

    [Fact]
    public void SingleNodeAndEmptyGraphsStillRender()
    {
        Parse(GraphSvg.Render(new GraphPicture([], []), GraphLayoutEngine.BuiltIn));
        var single = Parse(GraphSvg.Render(new GraphPicture([new GraphNode("x", "x", GraphNodeKind.Input)], []), GraphLayoutEngine.BuiltIn));
        Assert.Contains("x", Texts(single));
    }

    [GraphvizFact]
    public void GraphvizTooltipsNameTheNodesNotTheirIds()
    {
        string svg = GraphSvg.Render(SampleGraphs.Lecture(), GraphLayoutEngine.Graphviz);
        var titles = System.Text.RegularExpressions.Regex.Matches(svg, "<title>([^<]*)</title>").Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("b (input) = 4, gradient 63", titles);
        Assert.Contains("b → *", titles);
        Assert.All(titles, t => Assert.DoesNotMatch(@"\bn\d+\b", t));
    }

    [Fact]
    public void BuiltInLayoutWritesEachInputsTotalGradient()
    {
        string svg = GraphSvg.Render(SampleGraphs.Lecture(), GraphLayoutEngine.BuiltIn);
        Assert.Contains(">∂ = 63</text>", svg);
        Assert.Contains(">∂ = 18</text>", svg);
    }
}
