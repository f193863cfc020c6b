namespace Backprop.Teaching.Visualization;

/// <summary>
/// A computation graph ready to be drawn, in the style of lecture "circuit" diagrams: operators as nodes,
/// every edge labelled with its forward value and its gradient. Plain data; it knows nothing about tensors.
/// </summary>
/// <param name="Nodes">The nodes; ids must be unique. Their order is the starting order of each column.</param>
/// <param name="Edges">The edges; they must refer to existing ids and form no cycle.</param>
public sealed record GraphPicture(IReadOnlyList<GraphNode> Nodes, IReadOnlyList<GraphEdge> Edges)
{
    /// <summary>Throws <see cref="ArgumentException"/> if ids repeat or an edge refers to an unknown node.</summary>
    public void Validate()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (GraphNode node in Nodes)
        {
            if (!ids.Add(node.Id))
                throw new ArgumentException($"Node id '{node.Id}' appears more than once.");
        }
        foreach (GraphEdge edge in Edges)
        {
            if (!ids.Contains(edge.From))
                throw new ArgumentException($"Edge refers to unknown node '{edge.From}'.");
            if (!ids.Contains(edge.To))
                throw new ArgumentException($"Edge refers to unknown node '{edge.To}'.");
        }
    }
}
