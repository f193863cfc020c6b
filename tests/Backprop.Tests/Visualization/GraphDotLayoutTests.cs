using System.Diagnostics;
using System.Globalization;
using Backprop.Teaching.Expressions;
using Backprop.Teaching.Visualization;
using Backprop.Tests.Requirements;

namespace Backprop.Tests.Visualization;

/// <summary>
/// Lays the still pictures out with Graphviz itself (<c>dot -Tplain</c>) and checks where the edge labels land:
/// each nearer its own edge than any other edge, and no two overlapping.
/// </summary>
public class GraphDotLayoutTests
{
    public static TheoryData<string, string> Examples() => new()
    {
        { "sigmoid(w0*x0 + w1*x1 + w2)", "w0=2,w1=-3,w2=-3,x0=-1,x1=-2" },
        { "x = 2*w + 3*b; y = 2*b + 1; z = x*y", "w=3,b=4" },
        { "max(x*y, x+y) * x", "x=2,y=-3" },
    };

    [GraphvizTheory]
    [MemberData(nameof(Examples))]
    public void EveryEdgeLabelSitsOnItsOwnEdgeAndOverlapsNoOtherLabel(string source, string at)
    {
        var inputs = at.Split(',').Select(pair => pair.Split('='))
            .ToDictionary(pair => pair[0], pair => double.Parse(pair[1], CultureInfo.InvariantCulture));
        GraphPicture picture = ExplainPicture.Build(ExplainTrace.Run(ProgramEvaluator.Evaluate(Parser.Parse(source), inputs)));
        var (boxes, edges) = Layout(GraphDot.Render(picture));

        var labels = boxes.Where(box => box.Key.StartsWith('e')).ToList();
        Assert.Equal(picture.Edges.Count, labels.Count);
        foreach (var (label, box) in labels)
        {
            // The edge a -> b is drawn as a -> label -> b; its two halves are "its own".
            var own = edges.Where(edge => edge.From == label || edge.To == label).ToList();
            var others = edges.Where(edge => edge.From != label && edge.To != label).ToList();
            Assert.Equal(2, own.Count);
            double ownDistance = own.Min(edge => Distance(box.X, box.Y, edge.Points));
            double otherDistance = others.Min(edge => Distance(box.X, box.Y, edge.Points));
            Assert.True(ownDistance < otherDistance,
                $"{source}: label {label} is {ownDistance:0.00} in from its own edge but {otherDistance:0.00} from another");
        }
        for (int i = 0; i < labels.Count; i++)
            for (int j = i + 1; j < labels.Count; j++)
            {
                var (a, b) = (labels[i].Value, labels[j].Value);
                bool overlap = Math.Abs(a.X - b.X) < (a.Width + b.Width) / 2 && Math.Abs(a.Y - b.Y) < (a.Height + b.Height) / 2;
                Assert.False(overlap, $"{source}: labels {labels[i].Key} and {labels[j].Key} overlap");
            }
    }

    private sealed record Box(double X, double Y, double Width, double Height);

    private sealed record Edge(string From, string To, (double X, double Y)[] Points);

    private static (Dictionary<string, Box> Boxes, List<Edge> Edges) Layout(string dotText)
    {
        var start = new ProcessStartInfo("dot", "-Tplain")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        process.StandardInput.Write(dotText);
        process.StandardInput.Close();
        string plain = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);

        var boxes = new Dictionary<string, Box>();
        var edges = new List<Edge>();
        foreach (string line in plain.Split('\n'))
        {
            string[] f = line.Split(' ');
            double N(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
            if (f[0] == "node")
                boxes[f[1]] = new Box(N(2), N(3), N(4), N(5));
            else if (f[0] == "edge")
            {
                int count = int.Parse(f[3], CultureInfo.InvariantCulture);
                var points = Enumerable.Range(0, count).Select(i => (N(4 + 2 * i), N(5 + 2 * i))).ToArray();
                edges.Add(new Edge(f[1], f[2], points));
            }
        }
        return (boxes, edges);
    }

    /// <summary>Distance from a point to the polyline through the spline's control points (a close bound of the curve).</summary>
    private static double Distance(double x, double y, (double X, double Y)[] points)
    {
        double best = double.PositiveInfinity;
        for (int i = 0; i + 1 < points.Length; i++)
        {
            var (ax, ay) = points[i];
            var (bx, by) = points[i + 1];
            double dx = bx - ax, dy = by - ay, length2 = dx * dx + dy * dy;
            double t = length2 == 0 ? 0 : Math.Clamp(((x - ax) * dx + (y - ay) * dy) / length2, 0, 1);
            best = Math.Min(best, Math.Sqrt(Math.Pow(x - ax - t * dx, 2) + Math.Pow(y - ay - t * dy, 2)));
        }
        return best;
    }
}
