using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Backprop.Teaching.Expressions;
using Backprop.Teaching.Visualization;
using Backprop.Tests.Requirements;

namespace Backprop.Tests.Visualization;

/// <summary>
/// Lays the still pictures out with Graphviz itself (<c>dot -Tplain</c>) and checks where the edge labels land:
/// each nearer its own edge than any other edge, no two overlapping, and none crossed by an edge other than its own
/// (measured on the curves and arrowheads Graphviz draws, <c>dot -Tjson</c>).
/// </summary>
public class GraphDotLayoutTests
{
    public static TheoryData<string, string> Examples() => new()
    {
        { "sigmoid(w0*x0 + w1*x1 + w2)", "w0=2,w1=-3,w2=-3,x0=-1,x1=-2" },
        { "x = 2*w + 3*b; y = 2*b + 1; z = x*y", "w=3,b=4" },
        { "max(x*y, x+y) * x", "x=2,y=-3" },
        // The other seed examples of docs/tutorial.md.
        { "A = X + 1; B = A^2; C = ln(B); D = sqrt(C); E = D - 1", "X=2" },
        { "f = (x + y)*z", "x=-2,y=5,z=-4" },
        { "max(x, y)", "x=4,y=2" },
        { "c = a + b; c = c + c + 1", "a=1,b=2" },
    };

    [GraphvizTheory]
    [MemberData(nameof(Examples))]
    public void NoEdgeLabelIsCrossedByAnEdgeOtherThanItsOwn(string source, string at)
    {
        var (labels, paths) = DrawnLayout(GraphDot.Render(Picture(source, at)));
        Assert.NotEmpty(labels);
        var crossings = new List<string>();
        foreach (var (label, box) in labels)
            foreach (var path in paths.Where(path => path.From != label && path.To != label))
                if (path.Segments.Any(segment => Crosses(segment, box)))
                    crossings.Add($"label {label} is crossed by the edge {path.From} -> {path.To}");
        Assert.True(crossings.Count == 0, $"{source}: " + string.Join("; ", crossings));
    }

    [Fact]
    public void A_segment_crosses_a_box_it_passes_through_and_not_one_it_passes_by()
    {
        var box = new Rect(0, 0, 10, 4);
        Assert.True(Crosses(((-5, 2), (15, 2)), box)); // straight through, both ends outside
        Assert.True(Crosses(((5, 2), (5, 20)), box)); // from inside out
        Assert.True(Crosses(((-2, -1), (3, 3)), box)); // across a corner
        Assert.False(Crosses(((-5, 5), (15, 5)), box)); // above it
        Assert.False(Crosses(((11, -10), (11, 10)), box)); // beside it
        Assert.False(Crosses(((-5, 4), (15, 4)), box)); // along its edge: touching is not crossing
    }

    private static GraphPicture Picture(string source, string at)
    {
        var inputs = at.Split(',').Select(pair => pair.Split('='))
            .ToDictionary(pair => pair[0], pair => double.Parse(pair[1], CultureInfo.InvariantCulture));
        return ExplainPicture.Build(ExplainTrace.Run(ProgramEvaluator.Evaluate(Parser.Parse(source), inputs)));
    }

    /// <summary>A box in points, by its corners.</summary>
    private sealed record Rect(double Left, double Bottom, double Right, double Top);

    /// <summary>What Graphviz draws of an edge: its Bézier curves, sampled finely, and its arrowhead's outline, as segments.</summary>
    private sealed record DrawnPath(string From, string To, List<((double X, double Y) A, (double X, double Y) B)> Segments);

    // The edge labels' boxes (the label nodes "e0", "e1", ..., whose white fill would hide any edge beneath) and the
    // drawn paths of every edge, from `dot -Tjson`: coordinates in points, node sizes in inches.
    private static (Dictionary<string, Rect> Labels, List<DrawnPath> Paths) DrawnLayout(string dotText)
    {
        using var json = JsonDocument.Parse(RunDot("-Tjson", dotText));
        var names = new Dictionary<int, string>();
        var labels = new Dictionary<string, Rect>();
        foreach (JsonElement o in json.RootElement.GetProperty("objects").EnumerateArray())
        {
            if (o.TryGetProperty("nodes", out _)) continue; // a rank group, not a node
            string name = o.GetProperty("name").GetString()!;
            names[o.GetProperty("_gvid").GetInt32()] = name;
            if (!name.StartsWith('e')) continue;
            double[] pos = [.. o.GetProperty("pos").GetString()!.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture))];
            double halfWidth = 36 * double.Parse(o.GetProperty("width").GetString()!, CultureInfo.InvariantCulture);
            double halfHeight = 36 * double.Parse(o.GetProperty("height").GetString()!, CultureInfo.InvariantCulture);
            labels[name] = new Rect(pos[0] - halfWidth, pos[1] - halfHeight, pos[0] + halfWidth, pos[1] + halfHeight);
        }
        var paths = new List<DrawnPath>();
        foreach (JsonElement e in json.RootElement.GetProperty("edges").EnumerateArray())
        {
            var segments = new List<((double, double), (double, double))>();
            foreach (string drawing in (string[])["_draw_", "_hdraw_", "_tdraw_"])
            {
                if (!e.TryGetProperty(drawing, out JsonElement operations)) continue;
                foreach (JsonElement operation in operations.EnumerateArray())
                {
                    string op = operation.GetProperty("op").GetString()!;
                    if (op is not ("b" or "B" or "p" or "P" or "L")) continue;
                    var points = operation.GetProperty("points").EnumerateArray()
                        .Select(p => (p[0].GetDouble(), p[1].GetDouble())).ToList();
                    if (op is "b" or "B") segments.AddRange(Bezier(points));
                    else
                    {
                        for (int i = 0; i + 1 < points.Count; i++) segments.Add((points[i], points[i + 1]));
                        if (op is "p" or "P") segments.Add((points[^1], points[0]));
                    }
                }
            }
            Assert.NotEmpty(segments);
            paths.Add(new DrawnPath(names[e.GetProperty("tail").GetInt32()], names[e.GetProperty("head").GetInt32()], segments));
        }
        return (labels, paths);
    }

    // A piecewise cubic Bézier curve (points 0..3, 3..6, ...) as 32 straight segments a piece: within a few hundredths
    // of a point of the curve at these sizes.
    private static IEnumerable<((double X, double Y), (double X, double Y))> Bezier(List<(double X, double Y)> points)
    {
        const int Steps = 32;
        for (int start = 0; start + 3 < points.Count; start += 3)
        {
            var (p0, p1, p2, p3) = (points[start], points[start + 1], points[start + 2], points[start + 3]);
            (double, double) At(double t)
            {
                double u = 1 - t;
                double a = u * u * u, b = 3 * u * u * t, c = 3 * u * t * t, d = t * t * t;
                return (a * p0.X + b * p1.X + c * p2.X + d * p3.X, a * p0.Y + b * p1.Y + c * p2.Y + d * p3.Y);
            }
            var previous = p0;
            for (int i = 1; i <= Steps; i++)
            {
                var next = At((double)i / Steps);
                yield return (previous, next);
                previous = next;
            }
        }
    }

    /// <summary>
    /// Whether the segment passes through the inside of the box (Liang–Barsky clipping against the box shrunk by a
    /// quarter point, so a path that only touches a label's edge does not count).
    /// </summary>
    private static bool Crosses(((double X, double Y) A, (double X, double Y) B) segment, Rect box)
    {
        const double Touch = 0.25;
        var ((x0, y0), (x1, y1)) = segment;
        double dx = x1 - x0, dy = y1 - y0, enter = 0, leave = 1;
        foreach (var (p, q) in (ReadOnlySpan<(double, double)>)[
            (-dx, x0 - (box.Left + Touch)), (dx, box.Right - Touch - x0), (-dy, y0 - (box.Bottom + Touch)), (dy, box.Top - Touch - y0)])
        {
            if (p == 0)
            {
                if (q < 0) return false; // parallel to this side and outside it
                continue;
            }
            double t = q / p;
            if (p < 0) enter = Math.Max(enter, t);
            else leave = Math.Min(leave, t);
            if (enter > leave) return false;
        }
        return true;
    }

    [GraphvizTheory]
    [MemberData(nameof(Examples))]
    public void EveryEdgeLabelSitsOnItsOwnEdgeAndOverlapsNoOtherLabel(string source, string at)
    {
        GraphPicture picture = Picture(source, at);
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
        string plain = RunDot("-Tplain", dotText);

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

    private static string RunDot(string format, string dotText)
    {
        var start = new ProcessStartInfo("dot", format)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        process.StandardInput.Write(dotText);
        process.StandardInput.Close();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output;
    }
}
