namespace Backprop.Teaching.Visualization;

/// <summary>
/// A left-to-right layered ("Sugiyama") layout of a <see cref="GraphPicture"/>, used when Graphviz is not installed.
/// Columns are longest-path layers from the inputs; edges spanning several columns get invisible waypoints so
/// they are routed around nodes; the order inside a column is improved by barycentre sweeps, and vertical
/// positions pull each node towards its neighbours without letting nodes get closer than a minimum gap.
/// </summary>
internal sealed class LayeredLayout
{
    /// <summary>A real node or an invisible waypoint of a long edge.</summary>
    public sealed class Vertex
    {
        public required int Index { get; init; }
        public GraphNode? Node { get; init; }
        public int Layer { get; set; }
        public double Width { get; init; }
        public double Height { get; init; }
        public double X { get; set; }
        public double Y { get; set; }
        public List<int> Predecessors { get; } = [];
        public List<int> Successors { get; } = [];
        public bool IsWaypoint => Node is null;
        public Point Center => new(X, Y);
        public Box Bounds => Box.Around(Center, Width, Height);
    }

    private const double MinimumRowGap = 56;
    private const double WaypointGap = 34;
    private const int OrderingSweeps = 12;
    private const int PositioningSweeps = 8;

    private readonly List<Vertex> _vertices = [];
    private readonly List<List<int>> _layers = [];

    public IReadOnlyList<Vertex> Vertices => _vertices;

    /// <summary>For each picture edge, the vertices it passes through: source, waypoints..., target.</summary>
    public IReadOnlyList<int[]> Routes { get; private set; } = [];

    /// <param name="picture">A validated picture.</param>
    /// <param name="measure">Width and height of a node's drawing.</param>
    /// <param name="gapWidth">Horizontal room needed between two columns, given the edges that cross the gap.</param>
    public static LayeredLayout Compute(GraphPicture picture, Func<GraphNode, (double Width, double Height)> measure,
        Func<IEnumerable<GraphEdge>, double> gapWidth)
    {
        var layout = new LayeredLayout();
        int[] layers = AssignLayers(picture);
        for (int i = 0; i < picture.Nodes.Count; i++)
        {
            var (width, height) = measure(picture.Nodes[i]);
            layout._vertices.Add(new Vertex { Index = i, Node = picture.Nodes[i], Layer = layers[i], Width = width, Height = height });
        }
        layout.BuildRoutes(picture);
        layout.OrderLayers();
        layout.AssignY();
        layout.AssignX(picture, gapWidth);
        return layout;
    }

    // Longest path from the sources, so every edge points right. Constants and other non-input sources are then
    // moved next to their first consumer (a "2" in "2*b" belongs beside the "*", not in the inputs' column),
    // and outputs go to the last column.
    private static int[] AssignLayers(GraphPicture picture)
    {
        int count = picture.Nodes.Count;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++) index[picture.Nodes[i].Id] = i;
        var successors = Enumerable.Range(0, count).Select(_ => new List<int>()).ToArray();
        var predecessors = Enumerable.Range(0, count).Select(_ => new List<int>()).ToArray();
        var inDegree = new int[count];
        foreach (GraphEdge edge in picture.Edges)
        {
            int from = index[edge.From], to = index[edge.To];
            successors[from].Add(to);
            predecessors[to].Add(from);
            inDegree[to]++;
        }

        var layer = new int[count];
        var ready = new Queue<int>(Enumerable.Range(0, count).Where(i => inDegree[i] == 0));
        var topological = new List<int>(count);
        while (ready.Count > 0)
        {
            int node = ready.Dequeue();
            topological.Add(node);
            foreach (int next in successors[node])
            {
                layer[next] = Math.Max(layer[next], layer[node] + 1);
                if (--inDegree[next] == 0) ready.Enqueue(next);
            }
        }
        if (topological.Count != count)
            throw new ArgumentException("The graph has a cycle; a computation graph must be acyclic.");

        for (int k = count - 1; k >= 0; k--)
        {
            int node = topological[k];
            if (predecessors[node].Count == 0 && successors[node].Count > 0 && picture.Nodes[node].Kind != GraphNodeKind.Input)
                layer[node] = successors[node].Min(next => layer[next]) - 1;
        }
        int last = count == 0 ? 0 : layer.Max();
        for (int i = 0; i < count; i++)
        {
            if (picture.Nodes[i].Kind == GraphNodeKind.Output && successors[i].Count == 0)
                layer[i] = last;
        }
        return layer;
    }

    private void BuildRoutes(GraphPicture picture)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < picture.Nodes.Count; i++) index[picture.Nodes[i].Id] = i;
        var routes = new List<int[]>();
        foreach (GraphEdge edge in picture.Edges)
        {
            int from = index[edge.From], to = index[edge.To];
            var route = new List<int> { from };
            for (int layer = _vertices[from].Layer + 1; layer < _vertices[to].Layer; layer++)
            {
                var waypoint = new Vertex { Index = _vertices.Count, Layer = layer, Width = 0, Height = 0 };
                _vertices.Add(waypoint);
                route.Add(waypoint.Index);
            }
            route.Add(to);
            for (int k = 0; k + 1 < route.Count; k++)
            {
                _vertices[route[k]].Successors.Add(route[k + 1]);
                _vertices[route[k + 1]].Predecessors.Add(route[k]);
            }
            routes.Add([.. route]);
        }
        Routes = routes;

        int layerCount = _vertices.Count == 0 ? 0 : _vertices.Max(v => v.Layer) + 1;
        for (int l = 0; l < layerCount; l++) _layers.Add([]);
        foreach (Vertex vertex in _vertices) _layers[vertex.Layer].Add(vertex.Index);
    }

    // Alternating down and up sweeps, sorting each column by the mean position of its neighbours in the column
    // just swept; the ordering with the fewest crossings seen is kept.
    private void OrderLayers()
    {
        var best = _layers.Select(layer => layer.ToList()).ToList();
        int bestCrossings = CountCrossings();
        for (int sweep = 0; sweep < OrderingSweeps && bestCrossings > 0; sweep++)
        {
            bool downward = sweep % 2 == 0;
            if (downward)
                for (int l = 1; l < _layers.Count; l++) SortByBarycentre(l, v => v.Predecessors);
            else
                for (int l = _layers.Count - 2; l >= 0; l--) SortByBarycentre(l, v => v.Successors);
            int crossings = CountCrossings();
            if (crossings < bestCrossings)
            {
                bestCrossings = crossings;
                best = _layers.Select(layer => layer.ToList()).ToList();
            }
        }
        for (int l = 0; l < _layers.Count; l++) _layers[l] = best[l];
    }

    private void SortByBarycentre(int layer, Func<Vertex, List<int>> neighbours)
    {
        var position = PositionsInLayers();
        var keyed = _layers[layer].Select((vertex, current) =>
        {
            var around = neighbours(_vertices[vertex]);
            double key = around.Count == 0 ? current : around.Average(n => (double)position[n]);
            return (vertex, key, current);
        });
        _layers[layer] = keyed.OrderBy(item => item.key).ThenBy(item => item.current).Select(item => item.vertex).ToList();
    }

    private Dictionary<int, int> PositionsInLayers()
    {
        var position = new Dictionary<int, int>();
        foreach (var layer in _layers)
            for (int i = 0; i < layer.Count; i++) position[layer[i]] = i;
        return position;
    }

    private int CountCrossings()
    {
        var position = PositionsInLayers();
        int crossings = 0;
        for (int l = 0; l + 1 < _layers.Count; l++)
        {
            var segments = _layers[l].SelectMany(v => _vertices[v].Successors.Select(s => (position[v], position[s]))).ToList();
            for (int a = 0; a < segments.Count; a++)
                for (int b = a + 1; b < segments.Count; b++)
                    if ((segments[a].Item1 - segments[b].Item1) * (segments[a].Item2 - segments[b].Item2) < 0)
                        crossings++;
        }
        return crossings;
    }

    private double Separation(Vertex upper, Vertex lower)
    {
        double gap = upper.IsWaypoint || lower.IsWaypoint ? WaypointGap : MinimumRowGap;
        return (upper.Height + lower.Height) / 2 + gap;
    }

    private void AssignY()
    {
        foreach (var layer in _layers)
        {
            double y = 0;
            for (int i = 0; i < layer.Count; i++)
            {
                if (i > 0) y += Separation(_vertices[layer[i - 1]], _vertices[layer[i]]);
                _vertices[layer[i]].Y = y;
            }
            foreach (int v in layer) _vertices[v].Y -= y / 2;
        }
        for (int sweep = 0; sweep < PositioningSweeps; sweep++)
        {
            if (sweep % 2 == 0)
                for (int l = 1; l < _layers.Count; l++) PullTowardsNeighbours(l, v => v.Predecessors);
            else
                for (int l = _layers.Count - 2; l >= 0; l--) PullTowardsNeighbours(l, v => v.Successors);
        }
        // A last pass towards all neighbours balances nodes between their inputs and their consumers.
        for (int l = 0; l < _layers.Count; l++) PullTowardsNeighbours(l, v => [.. v.Predecessors, .. v.Successors]);
    }

    // Moves the column's vertices as close as possible (least squares) to the mean height of their neighbours while
    // keeping their order and minimum separations: pool-adjacent-violators isotonic regression on y - offset.
    private void PullTowardsNeighbours(int layer, Func<Vertex, List<int>> neighbours)
    {
        var members = _layers[layer];
        int n = members.Count;
        if (n == 0) return;
        var offset = new double[n];
        for (int i = 1; i < n; i++) offset[i] = offset[i - 1] + Separation(_vertices[members[i - 1]], _vertices[members[i]]);
        var desired = new double[n];
        for (int i = 0; i < n; i++)
        {
            Vertex vertex = _vertices[members[i]];
            var around = neighbours(vertex);
            desired[i] = (around.Count == 0 ? vertex.Y : around.Average(a => _vertices[a].Y)) - offset[i];
        }
        var blocks = new List<(double Sum, int Count)>();
        foreach (double value in desired)
        {
            blocks.Add((value, 1));
            while (blocks.Count > 1 && blocks[^2].Sum / blocks[^2].Count > blocks[^1].Sum / blocks[^1].Count)
            {
                var merged = (blocks[^2].Sum + blocks[^1].Sum, blocks[^2].Count + blocks[^1].Count);
                blocks.RemoveAt(blocks.Count - 1);
                blocks[^1] = merged;
            }
        }
        int k = 0;
        foreach (var (sum, count) in blocks)
            for (int j = 0; j < count; j++, k++)
                _vertices[members[k]].Y = sum / count + offset[k];
    }

    private void AssignX(GraphPicture picture, Func<IEnumerable<GraphEdge>, double> gapWidth)
    {
        double x = 0;
        for (int l = 0; l < _layers.Count; l++)
        {
            double halfWidth = _layers[l].Select(v => _vertices[v].Width / 2).DefaultIfEmpty(0).Max();
            if (l > 0)
            {
                double previousHalf = _layers[l - 1].Select(v => _vertices[v].Width / 2).DefaultIfEmpty(0).Max();
                var crossing = picture.Edges.Where((_, e) => _vertices[Routes[e][0]].Layer < l && _vertices[Routes[e][^1]].Layer >= l);
                // Steep edges leave little room for labels beside them, so tall fans get wider gaps.
                double steepest = _layers[l - 1]
                    .SelectMany(v => _vertices[v].Successors.Select(s => Math.Abs(_vertices[s].Y - _vertices[v].Y)))
                    .DefaultIfEmpty(0).Max();
                x += previousHalf + Math.Max(gapWidth(crossing), 1.6 * steepest) + halfWidth;
            }
            foreach (int v in _layers[l]) _vertices[v].X = x;
        }
    }
}
