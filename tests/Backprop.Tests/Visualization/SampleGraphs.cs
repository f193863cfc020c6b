using Backprop.Teaching.Visualization;

namespace Backprop.Tests.Visualization;

/// <summary>Pictures shared by the visualization tests.</summary>
internal static class SampleGraphs
{
    /// <summary>x = 2*w + 3*b; y = 2*b + 1; z = x*y at w = 3, b = 4.</summary>
    public static GraphPicture Lecture()
    {
        var nodes = new List<GraphNode>
        {
            new("w", "w", GraphNodeKind.Input, 3, 18),
            new("b", "b", GraphNodeKind.Input, 4, 63),
            new("c2a", "2", GraphNodeKind.Constant, 2),
            new("c3", "3", GraphNodeKind.Constant, 3),
            new("c2b", "2", GraphNodeKind.Constant, 2),
            new("c1", "1", GraphNodeKind.Constant, 1),
            new("m1", "*", GraphNodeKind.Operator, 6, 9),
            new("m2", "*", GraphNodeKind.Operator, 12, 9),
            new("a1", "+", GraphNodeKind.Operator, 18, 9, "x"),
            new("m3", "*", GraphNodeKind.Operator, 8, 18),
            new("a2", "+", GraphNodeKind.Operator, 9, 18, "y"),
            new("m4", "*", GraphNodeKind.Operator, 162, 1, "z"),
            new("z", "z", GraphNodeKind.Output, 162, 1, "z"),
        };
        var edges = new List<GraphEdge>
        {
            new("c2a", "m1", 2), new("w", "m1", 3, 18),
            new("c3", "m2", 3), new("b", "m2", 4, 27),
            new("m1", "a1", 6, 9), new("m2", "a1", 12, 9),
            new("c2b", "m3", 2), new("b", "m3", 4, 36),
            new("m3", "a2", 8, 18), new("c1", "a2", 1),
            new("a1", "m4", 18, 9, "x"), new("a2", "m4", 9, 18, "y"),
            new("m4", "z", 162, 1, "z"),
        };
        return new GraphPicture(nodes, edges);
    }

    /// <summary>A 20-node graph with long edges, fan-in and fan-out: a small MLP-like chain with skip connections.</summary>
    public static GraphPicture Twenty()
    {
        var nodes = new List<GraphNode>
        {
            new("x1", "x1", GraphNodeKind.Input), new("x2", "x2", GraphNodeKind.Input), new("x3", "x3", GraphNodeKind.Input),
        };
        var edges = new List<GraphEdge>();
        string[] ops = ["*", "+", "tanh", "*", "+", "sigmoid", "*", "+", "exp", "ln", "*", "+", "relu", "*", "+", "max"];
        for (int i = 0; i < ops.Length; i++)
        {
            string id = "op" + i;
            nodes.Add(new GraphNode(id, ops[i], GraphNodeKind.Operator));
            string first = i == 0 ? "x1" : "op" + (i - 1);
            edges.Add(new GraphEdge(first, id, 0.1234 * (i + 1), -0.5 / (i + 1)));
            if (ops[i] is "*" or "+" or "max")
            {
                string second = i < 3 ? "x" + (2 + i % 2) : "op" + (i - 3);
                edges.Add(new GraphEdge(second, id, 1000.5 + i, 1e-5 * i, i % 4 == 0 ? "h" + i : null));
            }
        }
        nodes.Add(new GraphNode("out", "loss", GraphNodeKind.Output));
        edges.Add(new GraphEdge("op15", "out", 2.5, 1, "loss"));
        return new GraphPicture(nodes, edges);
    }
}
