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
    private const int MaxPiecesTried = 5;
    private static readonly double[] Positions = [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82];

    private readonly List<Box> _obstacles;
    private readonly List<Box> _placed = [];
    // Points sampled along every edge, bucketed by a grid of CellSize squares so that scoring a label looks only at the
    // points near it: a long chain's picture has thousands of edge pieces, and scanning them all per candidate was
    // quadratic.
    private const double CellSize = 48;
    private readonly Dictionary<(long X, long Y), List<(int Edge, Point At)>> _samplesByCell = [];

    /// <param name="nodeBoxes">Boxes of the drawn nodes; labels must stay clear of them.</param>
    /// <param name="edgePaths">Every edge's curve, so labels can avoid sitting on other edges.</param>
    public EdgeLabelPlacer(IEnumerable<Box> nodeBoxes, IReadOnlyList<IReadOnlyList<CubicSegment>> edgePaths)
    {
        _obstacles = nodeBoxes.Select(box => box.Inflate(Clearance)).ToList();
        for (int e = 0; e < edgePaths.Count; e++)
        {
            foreach (CubicSegment segment in edgePaths[e])
            {
                for (int k = 0; k <= 16; k++)
                {
                    Point at = segment.At(k / 16.0);
                    var cell = CellOf(at.X, at.Y);
                    if (!_samplesByCell.TryGetValue(cell, out var list)) _samplesByCell[cell] = list = [];
                    list.Add((e, at));
                }
            }
        }
    }

    public Placement Place(int edgeIndex, IReadOnlyList<CubicSegment> path, string valueText, string? gradientText)
    {
        double valueWidth = TextMetrics.Width(valueText, FontSize) + 6;
        double gradientWidth = gradientText is null ? 0 : TextMetrics.Width(gradientText, FontSize) + 6;
        Placement? best = null;
        double bestScore = double.PositiveInfinity;
        // Long edges consist of several pieces; the piece nearest the middle comes first, being the natural place.
        // Only the few pieces nearest the middle are tried: each further one is penalised anyway, and trying every piece
        // of every long edge made a long chain's picture cost the square of its length.
        var pieces = Enumerable.Range(0, path.Count).OrderBy(k => Math.Abs(k - (path.Count - 1) / 2.0)).Take(MaxPiecesTried);
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

    private static (long X, long Y) CellOf(double x, double y) => ((long)Math.Floor(x / CellSize), (long)Math.Floor(y / CellSize));

    // The number of other edges' sample points inside the box.
    private int SamplesInside(Box box, int edgeIndex)
    {
        var (left, top) = CellOf(box.Left, box.Top);
        var (right, bottom) = CellOf(box.Left + box.Width, box.Top + box.Height);
        int count = 0;
        for (long x = left; x <= right; x++)
        {
            for (long y = top; y <= bottom; y++)
            {
                if (!_samplesByCell.TryGetValue((x, y), out var samples)) continue;
                foreach (var (edge, at) in samples)
                    if (edge != edgeIndex && box.Contains(at)) count++;
            }
        }
        return count;
    }

    private double Score(Placement candidate, int edgeIndex)
    {
        double score = 0;
        foreach (Box box in candidate.GradientBox is Box g ? [candidate.ValueBox, g] : new[] { candidate.ValueBox })
        {
            score += 1000 * _obstacles.Count(box.Intersects);
            score += 1000 * _placed.Count(other => box.Intersects(other.Inflate(6)));
            score += 3 * SamplesInside(box, edgeIndex);
        }
        return score;
    }
}
