using Backprop.Teaching.Expressions;
using Backprop.Teaching.Visualization;

namespace Backprop.Tests.Expressions;

// Expected values are derived by hand in the comments (the lecture notes' worked examples).
public class ProgramEvaluatorTests
{
    private const string Lecture = "x = 2*w + 3*b; y = 2*b + 1; z = x*y";

    private static EvaluatedProgram Evaluate(string source, string? of = null, params (string Name, double Value)[] inputs) =>
        ProgramEvaluator.Evaluate(Parser.Parse(source), inputs.ToDictionary(p => p.Name, p => p.Value), of);

    private static ExplainTrace Explain(string source, params (string Name, double Value)[] inputs) =>
        ExplainTrace.Run(Evaluate(source, null, inputs));

    private static double Gradient(ExplainTrace trace, string input) =>
        trace.InputGradients.Single(pair => pair.Key == input).Value;

    [Fact]
    public void LectureExampleGivesValueAndGradients()
    {
        // x = 2·3 + 3·4 = 18, y = 2·4 + 1 = 9, z = 162; ∂z/∂w = y·2 = 18; ∂z/∂b = y·3 + x·2 = 27 + 36 = 63.
        ExplainTrace trace = Explain(Lecture, ("w", 3), ("b", 4));
        Assert.Equal(162, trace.Program.Value);
        Assert.Equal("z", trace.Program.OutputName);
        Assert.Equal(18, Gradient(trace, "w"));
        Assert.Equal(63, Gradient(trace, "b"));
    }

    [Fact]
    public void NodesAreTheEnginesOwnTensorOperators()
    {
        EvaluatedProgram program = Evaluate(Lecture, null, ("w", 3), ("b", 4));
        Assert.Equal("mul", program.Output.Tensor.GradFn?.Name);
        Assert.Equal(DType.Float64, program.Output.Tensor.DType);
        ProgramNode x = program.Nodes.Single(n => n.Name == "x");
        Assert.Equal("add", x.Tensor.GradFn?.Name);
        // The constant 2 in 2*w is a node of its own (a 0-d tensor), not folded into a scalar operator.
        ProgramNode twoW = x.Inputs[0];
        Assert.Equal(ProgramNodeKind.Constant, twoW.Inputs[0].Kind);
        Assert.Same(twoW.Inputs[0].Tensor, twoW.Tensor.GradFn!.Inputs[0]);
    }

    [Fact]
    public void ValueFeedingTwoGatesReceivesTheSumInProgramOrder()
    {
        ExplainTrace trace = Explain(Lecture, ("w", 3), ("b", 4));
        ProgramNode b = trace.Program.Input("b")!;
        BackwardStep leaf = trace.StepOf(b)!;
        Assert.Equal(BackwardStepKind.Leaf, leaf.Kind);
        // b feeds 3*b (local 3, upstream 9 → 27) and 2*b (local 2, upstream 18 → 36).
        Assert.Equal([27.0, 36.0], leaf.Contributions.Select(c => c.Value));
        Assert.Equal(["3*b", "2*b"], leaf.Contributions.Select(c => c.From.Label));
        Assert.Equal(63, leaf.Upstream);
    }

    [Fact]
    public void GateStepsShowUpstreamLocalAndDownstream()
    {
        ExplainTrace trace = Explain(Lecture, ("w", 3), ("b", 4));
        BackwardStep first = trace.Steps[0];
        Assert.Equal("z", first.Node.Label);
        Assert.Equal(1, first.Upstream);
        // The multiply gate swaps its inputs: local ∂z/∂x = y = 9, ∂z/∂y = x = 18.
        Assert.Equal([9.0, 18.0], first.Inputs.Select(i => i.Local!.Value));
        Assert.Equal([9.0, 18.0], first.Inputs.Select(i => i.Downstream!.Value));
        BackwardStep threeB = trace.Steps.Single(s => s.Node.Label == "3*b");
        Assert.Equal(9, threeB.Upstream);
        Assert.Null(threeB.Inputs[0].Local); // the constant 3 receives nothing
        Assert.Equal(3, threeB.Inputs[1].Local);
        Assert.Equal(27, threeB.Inputs[1].Downstream);
    }

    [Fact]
    public void ExplainTextWritesTheSumAndTheProducts()
    {
        string text = ExplainText.Render(Explain(Lecture, ("w", 3), ("b", 4)));
        Assert.Contains("27 + 36 = 63", text);
        Assert.Contains("9 × 3 = 27", text);
        Assert.Contains("18 × 2 = 36", text);
        Assert.Contains("∂z/∂w = 18", text);
        Assert.Contains("∂z/∂b = 63", text);
    }

    [Fact]
    public void ReassignmentMakesANewNodeEachTime()
    {
        // c = 1 + 2 = 3; c' = c + c + 1 = 7; ∂c'/∂a = 2 (c feeds the gate c + c twice: 1 + 1).
        ExplainTrace trace = Explain("c = a + b; c = c + c + 1", ("a", 1), ("b", 2));
        EvaluatedProgram program = trace.Program;
        var cs = program.Nodes.Where(n => n.Name == "c").ToList();
        Assert.Equal(2, cs.Count);
        Assert.NotSame(cs[0].Tensor, cs[1].Tensor);
        Assert.Equal(["c", "c'"], cs.Select(n => n.Label));
        Assert.Same(cs[1], program.Output);
        Assert.Equal(7, program.Value);
        Assert.Equal(2, Gradient(trace, "a"));
        Assert.Equal([1.0, 1.0], trace.StepOf(cs[0])!.Contributions.Select(c => c.Value));
        Assert.Contains("1 + 1 = 2", ExplainText.Render(trace));
    }

    [Fact]
    public void ReadingANameBeforeAssigningItMakesItAnInput()
    {
        ExplainTrace trace = Explain("c = c * c", ("c", 3));
        Assert.Equal(9, trace.Program.Value);
        Assert.Equal(6, Gradient(trace, "c"));
        Assert.Equal(["c", "c'"], trace.Program.Nodes.Select(n => n.Label));
    }

    [Fact]
    public void CircuitFromTheNotes()
    {
        // f = (x + y)·z at (−2, 5, −4): q = 3, f = −12; ∂f/∂z = q = 3; ∂f/∂x = ∂f/∂y = z = −4.
        ExplainTrace trace = Explain("f = (x + y)*z", ("x", -2), ("y", 5), ("z", -4));
        Assert.Equal(-12, trace.Program.Value);
        Assert.Equal(-4, Gradient(trace, "x"));
        Assert.Equal(-4, Gradient(trace, "y"));
        Assert.Equal(3, Gradient(trace, "z"));
    }

    [Fact]
    public void SigmoidNeuronFromTheNotes()
    {
        // w·x + w2 = 2·(−1) + (−3)·(−2) − 3 = 1; f = σ(1) = 0.7311; σ' = f(1 − f) = 0.1966;
        // dx = [w0, w1]·0.1966 = [0.3932, −0.5898]; dw = [x0, x1, 1]·0.1966 = [−0.1966, −0.3932, 0.1966].
        ExplainTrace trace = Explain("sigmoid(w0*x0 + w1*x1 + w2)", ("w0", 2), ("w1", -3), ("w2", -3), ("x0", -1), ("x1", -2));
        double s = 1 / (1 + Math.Exp(-1));
        double local = s * (1 - s);
        Assert.Equal(0.7311, trace.Program.Value, 4);
        Assert.Equal(2 * local, Gradient(trace, "x0"), 12);
        Assert.Equal(-3 * local, Gradient(trace, "x1"), 12);
        Assert.Equal(-local, Gradient(trace, "w0"), 12);
        Assert.Equal(-2 * local, Gradient(trace, "w1"), 12);
        Assert.Equal(local, Gradient(trace, "w2"), 12);
        Assert.Equal(0.3932, Gradient(trace, "x0"), 4);
        Assert.Equal(-0.5898, Gradient(trace, "x1"), 4);
        Assert.Equal("sigmoid(w0*x0 + w1*x1 + w2)", trace.Program.OutputName);
    }

    [Fact]
    public void MaxGateRoutesTheGradientToTheLargerInput()
    {
        ExplainTrace trace = Explain("max(x, y)", ("x", 4), ("y", 2));
        Assert.Equal(4, trace.Program.Value);
        Assert.Equal(1, Gradient(trace, "x"));
        Assert.Equal(0, Gradient(trace, "y"));
    }

    [Fact]
    public void OutputNameSelectsAnEarlierValueAndOnlyItsInputs()
    {
        EvaluatedProgram y = Evaluate(Lecture, "y", ("b", 4));
        Assert.Equal(9, y.Value);
        Assert.Equal(["b"], y.Inputs.Select(i => i.Name));
        Assert.Equal(["b"], ProgramEvaluator.RequiredInputs(Parser.Parse(Lecture), "y"));
        Assert.Equal(4, Evaluate("z = w * 2", "w", ("w", 4)).Value);
    }

    [Fact]
    public void MissingInputsAreNamed()
    {
        var e = Assert.Throws<ProgramInputException>(() => Evaluate(Lecture, null, ("w", 3)));
        Assert.Equal(["b"], e.MissingInputs);
        Assert.Contains("no value for input b", e.Message);
    }

    [Theory]
    [InlineData("q", "no input named 'q'")]
    [InlineData("x", "'x' is computed by the program")]
    public void ValuesForNonInputsAreRejected(string name, string message)
    {
        var e = Assert.Throws<ProgramInputException>(() => Evaluate(Lecture, null, ("w", 3), ("b", 4), (name, 1)));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void UnknownOutputNameIsRejected()
    {
        var e = Assert.Throws<ProgramInputException>(() => Evaluate(Lecture, "q", ("w", 3), ("b", 4)));
        Assert.Contains("no value named 'q'", e.Message);
    }

    [Theory]
    [InlineData("C = ln(B)", -4, "ln needs a positive argument, got B = -4, in C = ln(B) at 1:5")]
    [InlineData("C = ln(B)", 0, "ln needs a positive argument, got B = 0")]
    [InlineData("C = sqrt(B)", -1, "sqrt needs a non-negative argument, got B = -1, in C = sqrt(B)")]
    [InlineData("C = 1 / B", 0, "division by zero: the divisor B is 0, in C = 1 / B")]
    [InlineData("C = B ^ 0.5", -2, "a negative base needs a whole exponent, got B = -2 and 0.5 = 0.5")]
    [InlineData("C = exp(B)", 1000, "the result is not finite (∞)")]
    public void DomainErrorsNameTheNodeAndTheValue(string source, double value, string message)
    {
        var e = Assert.Throws<ProgramDomainException>(() => Evaluate(source, null, ("B", value)));
        Assert.Contains(message, e.Message.Replace("Infinity", "∞"));
        Assert.Equal("C", e.Node.Name);
    }

    [Fact]
    public void ConstantProgramHasNoBackwardSteps()
    {
        ExplainTrace trace = ExplainTrace.Run(Evaluate("z = 2 * 3", null));
        Assert.Equal(6, trace.Program.Value);
        Assert.Empty(trace.Steps);
    }

    [Fact]
    public void PictureLabelsEveryEdgeWithValueAndItsOwnGradient()
    {
        GraphPicture picture = ExplainPicture.Build(Explain(Lecture, ("w", 3), ("b", 4)));
        picture.Validate();
        string b = picture.Nodes.Single(n => n.Label == "b").Id;
        // b's two edges carry the two terms of its gradient, 27 and 36.
        Assert.Equal([27.0, 36.0], picture.Edges.Where(e => e.From == b).Select(e => e.Gradient!.Value).Order());
        GraphNode output = picture.Nodes.Single(n => n.Kind == GraphNodeKind.Output);
        Assert.Equal("z", output.Label);
        Assert.Contains(picture.Edges, e => e.To == output.Id && e.Value == 162 && e.Gradient == 1 && e.Name == "z");
        Assert.Contains(picture.Edges, e => e.Name == "x" && e.Value == 18 && e.Gradient == 9);
    }
}
