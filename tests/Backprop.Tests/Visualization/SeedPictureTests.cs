using System.Globalization;
using System.Text.RegularExpressions;
using Backprop.Teaching.Expressions;
using Backprop.Teaching.Visualization;
using Backprop.Tests.Requirements;

namespace Backprop.Tests.Visualization;

/// <summary>
/// The still pictures (SVG from Graphviz and from the built-in layout, and the HTML page) of every seed example of
/// docs/tutorial.md, as <c>explain --out</c> draws them: tooltips name the nodes, never an internal id ("n4",
/// "e3"); every input shows its total gradient (b = 63 in the first example, which neither of b's edges carries);
/// the HTML table lists each node once, the output not again beside the gate that computes it.
/// </summary>
public partial class SeedPictureTests
{
    public static TheoryData<string, string> Examples() => new()
    {
        { "x = 2*w + 3*b; y = 2*b + 1; z = x*y", "w=3,b=4" },
        { "A = X + 1; B = A^2; C = ln(B); D = sqrt(C); E = D - 1", "X=2" },
        { "f = (x + y)*z", "x=-2,y=5,z=-4" },
        { "sigmoid(w0*x0 + w1*x1 + w2)", "w0=2,w1=-3,w2=-3,x0=-1,x1=-2" },
        { "max(x, y)", "x=4,y=2" },
        { "c = a + b; c = c + c + 1", "a=1,b=2" },
    };

    [GraphvizTheory]
    [MemberData(nameof(Examples))]
    public void Graphviz_picture_has_readable_tooltips_and_every_inputs_total(string source, string at) =>
        CheckPicture(Picture(source, at), GraphSvg.Render(Picture(source, at), GraphLayoutEngine.Graphviz));

    [Theory]
    [MemberData(nameof(Examples))]
    public void Built_in_picture_has_readable_tooltips_and_every_inputs_total(string source, string at) =>
        CheckPicture(Picture(source, at), GraphSvg.Render(Picture(source, at), GraphLayoutEngine.BuiltIn));

    [Fact]
    public void The_first_examples_picture_shows_b_total_of_63_and_w_total_of_18_in_both_layouts()
    {
        GraphPicture picture = Picture("x = 2*w + 3*b; y = 2*b + 1; z = x*y", "w=3,b=4");
        // b feeds two gates: 27 arrives along one edge and 36 along the other; the sum is on no edge.
        Assert.DoesNotContain(picture.Edges, edge => edge.Gradient == 63);
        foreach (var engine in GraphSvg.IsGraphvizAvailable ? [GraphLayoutEngine.BuiltIn, GraphLayoutEngine.Graphviz] : (GraphLayoutEngine[])[GraphLayoutEngine.BuiltIn])
        {
            var texts = Texts(GraphSvg.Render(picture, engine));
            Assert.Contains("∂ = 63", texts);
            Assert.Contains("∂ = 18", texts);
        }
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Html_table_lists_every_node_once_and_the_output_only_as_its_gate(string source, string at)
    {
        GraphPicture picture = Picture(source, at);
        string html = GraphHtml.Render(picture, source, GraphLayoutEngine.BuiltIn);
        var rows = RowPattern().Matches(html).Select(m => (Name: WebUtility(m.Groups[1].Value), Op: m.Groups[2].Value, Value: m.Groups[3].Value)).ToList();
        Assert.Equal(picture.Nodes.Count(n => n.Kind != GraphNodeKind.Output), rows.Count);
        Assert.DoesNotContain(rows, row => row.Op == "output");
        GraphNode output = picture.Nodes.Single(n => n.Kind == GraphNodeKind.Output);
        // The output's name and value are on one row: the gate that computes it.
        var named = rows.Where(row => row.Name == output.Label).ToList();
        Assert.Single(named);
        Assert.Equal(CompactNumber.Format(output.Value!.Value), named[0].Value);
        Assert.NotEqual("input", named[0].Op);
        Assert.All(rows, row => Assert.DoesNotMatch(InternalId(), row.Name));
    }

    private static void CheckPicture(GraphPicture picture, string svg)
    {
        var titles = TitlePattern().Matches(svg).Select(m => WebUtility(m.Groups[1].Value)).ToList();
        // Every node has a tooltip, and what a pointer shows names things as the program does.
        foreach (GraphNode node in picture.Nodes)
            Assert.Contains(FigureStyle.Tooltip(node), titles);
        Assert.All(titles, title => Assert.DoesNotMatch(InternalId(), title));
        Assert.All(Texts(svg), text => Assert.DoesNotMatch(InternalId(), text));
        var texts = Texts(svg);
        foreach (GraphNode input in picture.Nodes.Where(n => n.Kind == GraphNodeKind.Input))
            Assert.Contains(FigureStyle.TotalText(input.Gradient!.Value), texts);
    }

    private static GraphPicture Picture(string source, string at)
    {
        var inputs = at.Split(',').Select(pair => pair.Split('='))
            .ToDictionary(pair => pair[0], pair => double.Parse(pair[1], CultureInfo.InvariantCulture));
        return ExplainPicture.Build(ExplainTrace.Run(ProgramEvaluator.Evaluate(Parser.Parse(source), inputs)));
    }

    private static List<string> Texts(string svg) => [.. TextPattern().Matches(svg).Select(m => WebUtility(m.Groups[1].Value))];

    private static string WebUtility(string xml) => System.Net.WebUtility.HtmlDecode(xml);

    [GeneratedRegex("<title>([^<]*)</title>")]
    private static partial Regex TitlePattern();

    [GeneratedRegex("<text[^>]*>([^<]*)</text>")]
    private static partial Regex TextPattern();

    [GeneratedRegex("<tr><td>([^<]*)</td><td>([^<]*)</td><td class=\"number value\">([^<]*)</td>")]
    private static partial Regex RowPattern();

    // The ids GraphDot and ExplainPicture give nodes and edge labels, which no reader should see.
    [GeneratedRegex(@"\b[ne]\d+\b")]
    private static partial Regex InternalId();
}
