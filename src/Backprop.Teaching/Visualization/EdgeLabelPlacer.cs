namespace Backprop.Teaching.Visualization;

/// <summary>
/// Chooses where along each edge its two labels go (value above, gradient below) so that no label overlaps a node
/// or another label, preferring the middle of the edge and its flatter stretches, and avoiding other edges' lines.
/// </summary>
internal sealed class EdgeLabelPlacer
{
    /// <summary>Where an edge's labels ended up; a null box means that label is absent.</summary>
    public readonly record struct Placement(Point ValueBaseline, Box ValueBox, Point GradientBaseline, Box? GradientBox, double Slope);

    public const double FontSize = 14;
    private const double LineHeight = 16;
    private const double Clearance = 4;
    private static readonly double[] Positions = [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82];

    private readonly List<Box> _obstacles;
    private readonly List<Box> _placed = [];
    private readonly List<Point[]> _edgeSamples;

    /// <param name="nodeBoxes">Boxes of the drawn nodes; labels must stay clear of them.</param>
    /// <param name="edgePaths">Every edge's curve, so labels can avoid sitting on other edges.</param>
    public EdgeLabelPlacer(IEnumerable<Box> nodeBoxes, IReadOnlyList<IReadOnlyList<CubicSegment>> edgePaths)
    {
        _obstacles = nodeBoxes.Select(box => box.Inflate(Clearance)).ToList();
        _edgeSamples = edgePaths
            .Select(path => path.SelectMany(segment => Enumerable.Range(0, 17).Select(k => segment.At(k / 16.0))).ToArray())
            .ToList();
    }

    public Placement Place(int edgeIndex, IReadOnlyList<CubicSegment> path, string valueText, string? gradientText)
    {
        double valueWidth = TextMetrics.Width(valueText, FontSize) + 6;
        double gradientWidth = gradientText is null ? 0 : TextMetrics.Width(gradientText, FontSize) + 6;
        Placement? best = null;
        double bestScore = double.PositiveInfinity;
        // Long edges consist of several pieces; the piece nearest the middle comes first, being the natural place.
        var pieces = Enumerable.Range(0, path.Count).OrderBy(k => Math.Abs(k - (path.Count - 1) / 2.0));
        int rank = 0;
        foreach (int piece in pieces)
        {
            foreach (double t in Positions)
            {
                Placement candidate = Candidate(path[piece], t, valueWidth, gradientWidth, gradientText is not null);
                double score = Score(candidate, edgeIndex) + rank * 0.5 + Math.Abs(t - 0.5) * 4 + candidate.Slope * 15;
                if (score < bestScore)
                {
                    bestScore = score;
                    best = candidate;
                }
            }
            rank++;
        }
        Placement chosen = best!.Value;
        _placed.Add(chosen.ValueBox);
        if (chosen.GradientBox is Box gradientBox) _placed.Add(gradientBox);
        return chosen;
    }

    // Text centred on the curve point, lifted (or lowered) by enough to clear a sloped line across the text's width.
    private static Placement Candidate(CubicSegment segment, double t, double valueWidth, double gradientWidth, bool hasGradient)
    {
        Point at = segment.At(t);
        Point tangent = segment.Tangent(t);
        double slope = Math.Min(3, Math.Abs(tangent.Y) / Math.Max(1e-9, Math.Abs(tangent.X)));
        double valueBottom = at.Y - 3 - slope * valueWidth / 2;
        var valueBox = new Box(at.X - valueWidth / 2, valueBottom - LineHeight, valueWidth, LineHeight);
        var valueBaseline = new Point(at.X, valueBottom - 4);
        double gradientTop = at.Y + 3 + slope * gradientWidth / 2;
        Box? gradientBox = hasGradient ? new Box(at.X - gradientWidth / 2, gradientTop, gradientWidth, LineHeight) : null;
        var gradientBaseline = new Point(at.X, gradientTop + LineHeight - 4);
        return new Placement(valueBaseline, valueBox, gradientBaseline, gradientBox, slope);
    }

    private double Score(Placement candidate, int edgeIndex)
    {
        double score = 0;
        foreach (Box box in candidate.GradientBox is Box g ? [candidate.ValueBox, g] : new[] { candidate.ValueBox })
        {
            score += 1000 * _obstacles.Count(box.Intersects);
            score += 1000 * _placed.Count(other => box.Intersects(other.Inflate(6)));
            for (int e = 0; e < _edgeSamples.Count; e++)
            {
                if (e != edgeIndex)
                    score += 3 * _edgeSamples[e].Count(box.Contains);
            }
        }
        return score;
    }
}
