using Backprop.Teaching.Visualization;

namespace Backprop.Tests.Visualization;

public class GraphHtmlTests
{
    [Fact]
    public void PageEmbedsThePictureAndTabulatesEveryNode()
    {
        string html = GraphHtml.Render(SampleGraphs.Lecture(), "z = x*y & <friends>", GraphLayoutEngine.BuiltIn);
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("<title>z = x*y &amp; &lt;friends&gt;</title>", html);
        Assert.Contains("<svg xmlns=\"http://www.w3.org/2000/svg\"", html);
        // One row per node but the output, whose value is the row of the gate computing it (listed once, not twice).
        var nodes = SampleGraphs.Lecture().Nodes;
        Assert.Equal(nodes.Count - nodes.Count(n => n.Kind == GraphNodeKind.Output), CountOf(html, "<tr><td>"));
        Assert.Equal(1, CountOf(html, "<td class=\"number value\">162</td>"));
        Assert.Contains("<tr><td>b</td><td>input</td><td class=\"number value\">4</td><td class=\"number gradient\">63</td></tr>", html);
        Assert.Contains("<tr><td>x</td><td>+</td><td class=\"number value\">18</td><td class=\"number gradient\">9</td></tr>", html);
        Assert.Contains("<tr><td></td><td>constant</td><td class=\"number value\">3</td><td class=\"number gradient\"></td></tr>", html);
    }

    [Fact]
    public void GraphvizSvgIsEmbeddedWithoutItsXmlProlog()
    {
        string html = GraphHtml.Render(SampleGraphs.Lecture(), "t");
        Assert.DoesNotContain("<?xml", html);
        Assert.DoesNotContain("<!DOCTYPE svg", html);
    }

    private static int CountOf(string text, string part) =>
        (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;
}
