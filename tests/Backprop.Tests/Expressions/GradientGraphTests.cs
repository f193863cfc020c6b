using Backprop.Teaching.Expressions;

namespace Backprop.Tests.Expressions;

// The graph of the gradient (explain --order 2); expected values are derived by hand in the comments.
public class GradientGraphTests
{
    private static GradientGraph Build(string source, params (string Name, double Value)[] at) =>
        GradientGraph.Build(ProgramEvaluator.Evaluate(Parser.Parse(source), at.ToDictionary(p => p.Name, p => p.Value)));

    [Fact]
    public void LectureExampleGradientsAndHessian()
    {
        // z = (2w + 3b)(2b + 1): ∂z/∂w = 2y = 18, ∂z/∂b = 3y + 2x = 63; ∂²z/∂w² = 0, ∂²z/∂w∂b = 4, ∂²z/∂b² = 12.
        GradientGraph graph = Build("x = 2*w + 3*b; y = 2*b + 1; z = x*y", ("w", 3), ("b", 4));
        Assert.Equal(["w", "b"], graph.Gradients.Select(g => g.Key));
        Assert.Equal(18, graph.Gradients[0].Value!.Value);
        Assert.Equal(63, graph.Gradients[1].Value!.Value);
        Assert.Equal(new double[,] { { 0, 4 }, { 4, 12 } }, graph.Hessian);
        // The gradient reads forward values: ∂z/∂x = y is the program's own y node.
        Assert.Contains(graph.Nodes, n => n.Forward?.Name == "y" && n.Kind == GradientGraphNodeKind.Forward);
        Assert.Contains(graph.Nodes, n => n.Kind == GradientGraphNodeKind.Operation);
        // Every node comes after the nodes it reads.
        Assert.All(graph.Nodes, n => Assert.All(n.Inputs, i => Assert.True(i.Id < n.Id)));
        // With two inputs there is no single second pass to show per node.
        Assert.All(graph.Nodes, n => Assert.Null(n.SecondGradient));
    }

    [Fact]
    public void ChainSecondPassReachesTheInputAsTheSecondDerivative()
    {
        // E = sqrt(u) − 1, u = 2 ln(X+1): E″ = −(u^−3/2 + u^−½)/(X+1)² at X = 2.
        double u = 2 * Math.Log(3);
        GradientGraph graph = Build("A = X + 1; B = A^2; C = ln(B); D = sqrt(C); E = D - 1", ("X", 2));
        double expected = -(Math.Pow(u, -1.5) + Math.Pow(u, -0.5)) / 9;
        Assert.Equal(expected, graph.Hessian[0, 0], 14);
        GradientGraphNode x = graph.Nodes.Single(n => n.Forward?.Kind == ProgramNodeKind.Input);
        Assert.Equal(expected, x.SecondGradient!.Value, 14);
        Assert.Equal(1, graph.Gradients[0].Value!.SecondGradient);
        // Each node's second-pass gradient is the sum of what the gates reading it hand back along their edges.
        foreach (GradientGraphNode node in graph.Nodes.Where(n => n.SecondGradient is not null && !ReferenceEquals(n, graph.Gradients[0].Value)))
        {
            double sum = graph.Nodes.SelectMany(reader => reader.Inputs.Select((input, i) => (input, i, reader)))
                .Where(e => ReferenceEquals(e.input, node)).Sum(e => e.reader.SecondInputs[e.i] ?? 0);
            Assert.Equal(node.SecondGradient!.Value, sum, 12);
        }
    }

    [Fact]
    public void AHeldConstantIsShownAsAnOperand()
    {
        // sqrt's rule is g / (sqrt(x)·2): the 2 is held by the scalar multiply, not a tensor input.
        GradientGraph graph = Build("y = sqrt(x)", ("x", 4));
        Assert.Contains(graph.Nodes, n => n.Operator == "mul" && n.Constant is { Value: 2, First: false });
        Assert.Contains("mul(g1, 2)", GradientGraphText.Render(graph));
        Assert.Equal(-1.0 / 32, graph.Hessian[0, 0], 15); // (x^½)″ = −¼·x^−3/2 = −1/32 at 4
    }

    [Fact]
    public void ALinearProgramHasAConstantGradient()
    {
        GradientGraph graph = Build("z = 2*w + 1", ("w", 1));
        Assert.Equal(2, graph.Gradients.Single().Value!.Value);
        Assert.Equal(0, graph.Hessian[0, 0]);
        Assert.Contains("∂²z/∂w² = 0", GradientGraphText.Render(graph));
    }

    [Fact]
    public void PictureIsValidAndEndsInOneOutputPerGradient()
    {
        GradientGraph graph = Build("x = 2*w + 3*b; y = 2*b + 1; z = x*y", ("w", 3), ("b", 4));
        var picture = GradientGraphPicture.Build(graph);
        picture.Validate();
        var outputs = picture.Nodes.Where(n => n.Kind == Backprop.Teaching.Visualization.GraphNodeKind.Output).ToList();
        Assert.Equal(["∂z/∂w", "∂z/∂b"], outputs.Select(n => n.Label));
        Assert.Equal([18.0, 63.0], outputs.Select(n => n.Value!.Value));
    }

    [Fact]
    public void TextListsTheHessian()
    {
        string text = GradientGraphText.Render(Build("x = 2*w + 3*b; y = 2*b + 1; z = x*y", ("w", 3), ("b", 4)));
        Assert.Contains("∂²z/∂w∂b = 4", text);
        Assert.Contains("∂²z/∂b∂w = 4", text);
        Assert.Contains("∂²z/∂b² = 12", text);
        Assert.Contains("∂z/∂w = 18", text);
    }
}
