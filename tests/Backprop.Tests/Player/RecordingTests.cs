using System.Text.Json;
using System.Text.RegularExpressions;
using Backprop.NN;
using Backprop.Teaching.Expressions;
using Backprop.Teaching.Player;

namespace Backprop.Tests.Player;

/// <summary>What the player is given: recordings of programs and of engine computations, and the page made from them.</summary>
public partial class RecordingTests
{
    private static Recording Circuit(bool check = false) => Explain.Program(
        ExplainTrace.Run(ProgramEvaluator.Evaluate(Parser.Parse("x = 2*w + 3*b; y = 2*b + 1; z = x*y"), new Dictionary<string, double> { ["w"] = 3, ["b"] = 4 })), check);

    [Fact]
    public void ProgramRecordingHasTheForwardValuesTheBackwardStepsAndTheSumAtB()
    {
        Recording recording = Circuit();
        Assert.Equal(162, recording.Nodes[recording.Output].Value.Item);
        Assert.Equal(18, recording.Node("w")!.Gradient!.Item);
        Assert.Equal(63, recording.Node("b")!.Gradient!.Item);
        // Forward order: every gate after its inputs.
        foreach (RecordedNode node in recording.Nodes) Assert.All(node.Inputs, input => Assert.True(input < node.Id));
        // Backward order: the output first, each gate before the gates and leaves it hands gradients to.
        Assert.Equal(recording.Output, recording.Backward[0].Node);
        RecordedStep b = recording.Backward.Single(s => s.Node == recording.Node("b")!.Id);
        Assert.Equal([27.0, 36.0], b.Arrivals.Select(a => a.Value.Item));
        RecordedStep z = recording.Backward[0];
        Assert.Equal([9.0, 18.0], z.Inputs.Select(i => i.Local!.Value)); // multiply swaps
        Assert.Equal("multiply swaps: each input receives the upstream gradient times the other input", GateRules.Of("*")!.Value.Words);
    }

    [Fact]
    public void NumericalCheckAgreesAtEveryNodeAndNoticesAWrongGradient()
    {
        Recording recording = Circuit(check: true);
        var checkedNodes = recording.Nodes.Where(n => n.Kind != RecordedNodeKind.Constant).ToList();
        Assert.All(checkedNodes, n => Assert.True(n.Check is { Passed: true }, $"{n.Label}: {n.Check}"));
        Assert.Equal(63, recording.Node("b")!.Check!.Numerical, 1e-6);
        Assert.Null(recording.Nodes.First(n => n.Kind == RecordedNodeKind.Constant).Check);
        Assert.False(new NumericalCheck(63, 62, 1e-5).Passed);
    }

    [Fact]
    public void AnInputTheOutputDoesNotDependOnHasGradientZero()
    {
        var trace = ExplainTrace.Run(ProgramEvaluator.Evaluate(Parser.Parse("v1 = sqrt(1 + v1^2); out = v2 * 3"),
            new Dictionary<string, double> { ["v1"] = 1, ["v2"] = 2 }));
        Assert.Equal(["v1"], trace.UnusedInputs);
        Assert.Equal([KeyValuePair.Create("v1", 0.0), KeyValuePair.Create("v2", 3.0)], trace.InputGradients);
        Assert.Contains("∂out/∂v1 = 0", ExplainText.Render(trace));
        Recording recording = Explain.Program(trace);
        Assert.Equal(["v1"], recording.UnusedInputs);
        Assert.Contains("\"unused\":[\"v1\"]", recording.ToHtml());
    }

    [Fact]
    public void EngineRecordingMatchesTheEngineAndLeavesGradientsAsTheyWere()
    {
        var generator = new Generator(3);
        var model = new Sequential(new Linear(3, 4, generator, dtype: DType.Float64), new ReLU(), new Linear(4, 2, generator, dtype: DType.Float64));
        Tensor x = Tensor.FromArray([0.5, -1.0, 2.0, 1.5, 0.25, -0.75], 2, 3);
        int[] labels = [1, 0];
        Tensor Loss() => model.Forward(x).CrossEntropy(labels);

        Loss().Backward();
        var expected = model.NamedParameters().ToDictionary(p => p.Key, p => p.Value.Grad!.ToDoubleArray());
        Recording recording = Explain.Record(Loss, new RecordOptions(Model: model, NumericalCheck: true));

        foreach ((string name, Tensor parameter) in model.NamedParameters())
        {
            RecordedNode node = recording.Node(name)!;
            Assert.Equal(RecordedNodeKind.Parameter, node.Kind);
            Assert.Equal(expected[name], node.Gradient!.Values);
            Assert.Equal(expected[name], parameter.Grad!.ToDoubleArray()); // the earlier gradient, not doubled
            Assert.True(node.Check is { Passed: true }, $"{name}: {node.Check}");
        }
        Assert.Equal(Loss().Item(), recording.Nodes[recording.Output].Value.Item, 12);
        Assert.Equal("0", recording.Node("0.weight")!.Module);
        Assert.Contains(recording.Nodes, n => n.Kind == RecordedNodeKind.Operation && n.Module == "2");
        Assert.Equal(RecordedNodeKind.Constant, recording.Nodes.Single(n => n.Value.Shape.SequenceEqual(new[] { 2, 3 })).Kind);
    }

    [Fact]
    public void BroadcastGradientIsShownBeforeItsReduction()
    {
        Tensor a = Leaf([1.0, 2, 3, 4, 5, 6], 2, 3);
        Tensor bias = Leaf([0.5, -0.5, 1.0], 3);
        Recording recording = Explain.Record(() =>
            {
                Tensor shifted = a + bias;
                return (shifted * shifted).Sum();
            },
            new RecordOptions(Names: new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance) { [a] = "a", [bias] = "bias" }));
        RecordedStep add = recording.Backward.First(s => recording.Nodes[s.Node].Operator == "add");
        RecordedInputGradient toBias = add.Inputs.Single(i => recording.Nodes[i.Input].Label == "bias");
        Assert.Equal([0], toBias.ReducedAxes!);
        Assert.Equal([2, 3], toBias.BeforeReduction!.Shape);
        Assert.Equal([3], toBias.Downstream!.Shape);
        double[] before = toBias.BeforeReduction.Values;
        Assert.Equal(Enumerable.Range(0, 3).Select(c => before[c] + before[3 + c]), toBias.Downstream.Values);
        RecordedInputGradient toA = add.Inputs.Single(i => recording.Nodes[i.Input].Label == "a");
        Assert.Null(toA.BeforeReduction);
        // a feeds one add; the add's output feeds the multiply twice: two arrivals summed.
        Assert.Equal(2, recording.Backward.Single(s => s.Node == add.Node).Arrivals.Count);
    }

    [Fact]
    public void RecordRefusesAComputationWithoutOneNumberToDifferentiate()
    {
        Tensor a = Leaf([1.0, 2], 2);
        Assert.Contains("expected one number", Assert.Throws<ArgumentException>(() => Explain.Record(() => a * 2)).Message);
        Assert.Contains("requires a gradient", Assert.Throws<ArgumentException>(() => Explain.Record(() => Tensor.FromArray([1.0], 1).Sum())).Message);
    }

    [Fact]
    public void PageIsSelfContainedAndItsTooltipsNameNoInternalIds()
    {
        string html = Circuit(check: true).ToHtml();
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", ""));
        Assert.DoesNotContain("https://", html);
        Assert.DoesNotContain(" src=", html);
        Assert.DoesNotContain("<link", html);
        var titles = Titles().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(titles);
        Assert.All(titles, t => Assert.DoesNotMatch(@"\b[nv]\d+\b", t));
        Assert.Contains("b (input) = 4; ∂z/∂b = 63; numerical check passed", titles);
        // The recording inside parses, and names every node and edge the picture draws.
        string json = Regex.Match(html, "<script type=\"application/json\" id=\"recording\">(.*?)</script>", RegexOptions.Singleline).Groups[1].Value;
        using var document = JsonDocument.Parse(json);
        Assert.Equal(12, document.RootElement.GetProperty("nodes").GetArrayLength()); // 6 gates, w, b and the constants 2, 3, 2, 1
        Assert.Equal(CountOf(html, "class=\"edge\""), document.RootElement.GetProperty("edges").GetArrayLength());
        Assert.Equal(12 + 1, CountOf(html, "<g class=\"node ")); // and the output's name
    }

    [Fact]
    public void SolveRecordingHasEveryPointWithItsNodes()
    {
        ProgramSyntax syntax = Parser.Parse("y = x^2");
        var start = new Dictionary<string, double> { ["x"] = 1.99 };
        SolveResult result = Solver.Solve(syntax, start, 4, ["x"], new SolveOptions());
        Recording recording = Explain.Solve(result, syntax, start);
        Assert.Equal(result.Iterations.Count, recording.Solve!.Frames.Count);
        SolveFrame last = recording.Solve.Frames[^1];
        Assert.Equal(result.Output, last.Output);
        Assert.Equal(result.Solution[0].Value, last.Values[recording.Node("x")!.Id]);
        Assert.Equal(2 * result.Solution[0].Value, last.Gradients[recording.Node("x")!.Id]!.Value, 9);
        Assert.StartsWith("converged after 2 steps", recording.Solve.Outcome);
    }

    private static Tensor Leaf(double[] values, params int[] shape)
    {
        Tensor t = Tensor.FromArray(values, shape);
        t.RequiresGrad = true;
        return t;
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    [GeneratedRegex("<title>([^<]*)</title>")]
    private static partial Regex Titles();
}
