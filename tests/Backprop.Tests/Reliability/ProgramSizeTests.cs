using System.Diagnostics;
using System.Text;
using Backprop.Teaching.Expressions;
using Backprop.Teaching.Visualization;

namespace Backprop.Tests.Reliability;

/// <summary>Programs far larger or deeper than any lesson's: a clear error or a linear-time answer, never a crashed stack or quadratic memory.</summary>
public class ProgramSizeTests
{
    private static string Sum(int terms) => "y = " + string.Join(" + ", Enumerable.Range(0, terms).Select(i => $"x{i}"));

    private static Dictionary<string, double> Inputs(int terms) =>
        Enumerable.Range(0, terms).ToDictionary(i => $"x{i}", i => (double)(i % 7));

    [Theory]
    [InlineData("(", 14_000, "x", ")")]
    [InlineData("-", 70_000, "x", "")]
    [InlineData("2^", 20_000, "x", "")]
    [InlineData("exp(", 10_000, "x", ")")]
    public void Deep_nesting_is_a_syntax_error_not_a_stack_overflow(string open, int depth, string middle, string close)
    {
        string text = string.Concat(Enumerable.Repeat(open, depth)) + middle + string.Concat(Enumerable.Repeat(close, depth));
        var error = Assert.Throws<ExpressionSyntaxException>(() => Parser.Parse(text));
        Assert.Contains("nested too deeply", error.Message);
    }

    [Fact]
    public void Nesting_up_to_the_limit_parses_evaluates_and_prints()
    {
        int depth = Parser.MaxNestingDepth;
        string text = "y = " + new string('(', depth - 1) + "-x" + new string(')', depth - 1);
        var program = Parser.Parse(text);
        Assert.Equal(-3, ProgramEvaluator.Evaluate(program, new Dictionary<string, double> { ["x"] = 3 }).Value);
        Assert.StartsWith("y = (-x)", SyntaxPrinter.Print(program));
    }

    [Fact]
    public void A_program_of_100000_nodes_explains_in_linear_time_and_room()
    {
        const int terms = 50_000; // 50,000 inputs and 49,999 additions
        var clock = Stopwatch.StartNew();
        var program = Parser.Parse(Sum(terms));
        var evaluated = ProgramEvaluator.Evaluate(program, Inputs(terms));
        var trace = ExplainTrace.Run(evaluated);
        string text = ExplainText.Render(trace);
        clock.Stop();
        Assert.Equal(Enumerable.Range(0, terms).Sum(i => i % 7), evaluated.Value);
        Assert.All(trace.InputGradients, pair => Assert.Equal(1, pair.Value));
        // Every node's row is bounded, so the report grows with the node count, not with its square.
        Assert.True(text.Length < 600 * evaluated.Nodes.Count, $"the report has {text.Length} characters for {evaluated.Nodes.Count} nodes");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
        Assert.StartsWith("y = (((", SyntaxPrinter.Print(program)); // prints without recursion
    }

    [Fact]
    public void One_input_feeding_20000_gates_explains_with_its_sum_abbreviated()
    {
        var program = Parser.Parse("y = " + string.Join(" + ", Enumerable.Repeat("x", 20_000)));
        var trace = ExplainTrace.Run(ProgramEvaluator.Evaluate(program, new Dictionary<string, double> { ["x"] = 2 }));
        string text = ExplainText.Render(trace);
        Assert.Equal(20_000, trace.InputGradients.Single().Value);
        Assert.Contains("(20000 terms)", text);
        Assert.True(text.Length < 600 * trace.Program.Nodes.Count, $"the report has {text.Length} characters");
    }

    [Fact]
    public void Twenty_thousand_reassignments_explain()
    {
        var source = new StringBuilder();
        for (int i = 0; i < 20_000; i++) source.Append("x = x + 1\n");
        var evaluated = ProgramEvaluator.Evaluate(Parser.Parse(source.ToString()), new Dictionary<string, double> { ["x"] = 0.5 });
        var trace = ExplainTrace.Run(evaluated);
        Assert.Equal(20_000.5, evaluated.Value);
        Assert.Equal(1, trace.InputGradients.Single().Value);
        Assert.Contains("x'19999", ExplainText.Render(trace));
    }

    [Fact]
    public void Solving_a_long_program_is_linear()
    {
        var program = Parser.Parse(Sum(5_000));
        var result = Solver.Solve(program, Inputs(5_000), target: 0, vary: ["x0", "x1"]);
        Assert.Equal(SolveStatus.Converged, result.Status);
    }

    [Fact]
    public void A_picture_of_a_100_input_sum_is_drawn_quickly()
    {
        var trace = ExplainTrace.Run(ProgramEvaluator.Evaluate(Parser.Parse(Sum(100)), Inputs(100)));
        var clock = Stopwatch.StartNew();
        string svg = GraphSvg.Render(ExplainPicture.Build(trace), GraphLayoutEngine.BuiltIn);
        Assert.StartsWith("<svg", svg);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public void A_picture_of_too_large_a_program_is_refused_with_its_size()
    {
        var trace = ExplainTrace.Run(ProgramEvaluator.Evaluate(Parser.Parse(Sum(2_000)), Inputs(2_000)));
        var error = Assert.Throws<ArgumentException>(() => ExplainPicture.Build(trace));
        Assert.Contains($"program too large for a picture: {trace.Program.Nodes.Count + 1} nodes, limit {ExplainPicture.MaxNodes}", error.Message);
    }
}
