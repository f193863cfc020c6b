using System.Text.Json;
using Backprop.Cli;
using Backprop.Tests.Data;

namespace Backprop.Tests.Cli;

// Runs `backprop explain` in-process; expected numbers are derived by hand in ProgramEvaluatorTests.
public class ExplainCommandTests
{
    private const string Lecture = "x = 2*w + 3*b; y = 2*b + 1; z = x*y";

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandLine.Run(["explain", .. args], stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static JsonElement RunJson(params string[] args)
    {
        var (code, output, error) = Run([.. args, "--json"]);
        Assert.True(code == 0, error);
        return JsonDocument.Parse(output).RootElement;
    }

    [Fact]
    public void LectureExampleAsJson()
    {
        JsonElement root = RunJson(Lecture, "--at", "w=3,b=4");
        Assert.Equal("z", root.GetProperty("output").GetProperty("name").GetString());
        Assert.Equal(162, root.GetProperty("output").GetProperty("value").GetDouble());
        Assert.Equal(3, root.GetProperty("inputs").GetProperty("w").GetDouble());
        Assert.Equal(18, root.GetProperty("gradients").GetProperty("w").GetDouble());
        Assert.Equal(63, root.GetProperty("gradients").GetProperty("b").GetDouble());

        var nodes = root.GetProperty("nodes").EnumerateArray().ToList();
        JsonElement z = nodes.Single(n => n.GetProperty("label").GetString() == "z");
        Assert.Equal("*", z.GetProperty("op").GetString());
        Assert.Equal(1, z.GetProperty("grad").GetDouble());
        // local gradients of z = x*y are (y, x) = (9, 18), aligned with its inputs
        Assert.Equal([9.0, 18.0], z.GetProperty("local").EnumerateArray().Select(e => e.GetDouble()));
        var inputIds = z.GetProperty("inputs").EnumerateArray().Select(e => e.GetInt32()).ToList();
        Assert.Equal(["x", "y"], inputIds.Select(id => nodes.Single(n => n.GetProperty("id").GetInt32() == id).GetProperty("name").GetString()));

        var backward = root.GetProperty("backward").EnumerateArray().ToList();
        Assert.Equal(z.GetProperty("id").GetInt32(), backward[0].GetProperty("node").GetInt32());
        JsonElement bLeaf = backward.Single(s => s.GetProperty("kind").GetString() == "leaf" && s.GetProperty("label").GetString() == "b");
        Assert.Equal(63, bLeaf.GetProperty("gradient").GetDouble());
        Assert.Equal([27.0, 36.0], bLeaf.GetProperty("sum").EnumerateArray().Select(e => e.GetProperty("value").GetDouble()));
    }

    [Fact]
    public void TextShowsTheSumWhereBFeedsTwoGates()
    {
        var (code, output, _) = Run(Lecture, "--at", "w=3,b=4");
        Assert.Equal(0, code);
        Assert.Contains("27 + 36 = 63", output);
        Assert.Contains("b feeds 2 gates: 3*b, 2*b", output);
        Assert.Contains("1 × 9 = 9", output);
        Assert.Contains("∂z/∂b = 63", output);
        Assert.Contains("forward pass", output);
        Assert.Contains("backward pass", output);
    }

    [Fact]
    public void TextShowsEachAssignmentOfAReassignedName()
    {
        var (code, output, _) = Run("c = a + b; c = c + c + 1", "--at", "a=1,b=2");
        Assert.Equal(0, code);
        Assert.Contains("c = a + b", output);
        Assert.Contains("c' = c + c + 1", output);
        Assert.Contains("1 + 1 = 2", output);
        Assert.Contains("∂c'/∂a = 2", output);
    }

    [Fact]
    public void CircuitSigmoidAndMaxExamples()
    {
        JsonElement circuit = RunJson("f = (x + y)*z", "--at", "x=-2,y=5,z=-4").GetProperty("gradients");
        Assert.Equal([-4.0, -4.0, 3.0], new[] { "x", "y", "z" }.Select(n => circuit.GetProperty(n).GetDouble()));

        JsonElement neuron = RunJson("sigmoid(w0*x0 + w1*x1 + w2)", "--at", "w0=2,w1=-3,w2=-3,x0=-1,x1=-2");
        Assert.Equal(0.7311, neuron.GetProperty("output").GetProperty("value").GetDouble(), 4);
        JsonElement g = neuron.GetProperty("gradients");
        Assert.Equal(0.3932, g.GetProperty("x0").GetDouble(), 4);
        Assert.Equal(-0.5898, g.GetProperty("x1").GetDouble(), 4);
        Assert.Equal(-0.1966, g.GetProperty("w0").GetDouble(), 4);
        Assert.Equal(-0.3932, g.GetProperty("w1").GetDouble(), 4);
        Assert.Equal(0.1966, g.GetProperty("w2").GetDouble(), 4);

        JsonElement max = RunJson("max(x, y)", "--at", "x=4,y=2").GetProperty("gradients");
        Assert.Equal(1, max.GetProperty("x").GetDouble());
        Assert.Equal(0, max.GetProperty("y").GetDouble());
    }

    [Fact]
    public void OfPicksAnEarlierValue()
    {
        JsonElement root = RunJson(Lecture, "--at", "b=4", "--of", "y");
        Assert.Equal(9, root.GetProperty("output").GetProperty("value").GetDouble());
        Assert.Equal(2, root.GetProperty("gradients").GetProperty("b").GetDouble());
    }

    [Fact]
    public void ProgramFromAFile()
    {
        using var scratch = new ScratchDirectory();
        string path = scratch.File("prog.txt");
        File.WriteAllText(path, "x = 2*w + 3*b\ny = 2*b + 1\nz = x*y\n");
        JsonElement root = RunJson("--file", path, "--at", "w=3,b=4");
        Assert.Equal(162, root.GetProperty("output").GetProperty("value").GetDouble());
    }

    [Fact]
    public void ProgramFromStdin()
    {
        var args = Arguments.Parse(new Backprop.Cli.Commands.ExplainCommand(), ["-", "--at", "w=3"]);
        ProgramInput input = ProgramInput.Read(args, new StringReader("z = w * w"));
        Assert.Single(input.Program.Statements);
        Assert.Equal(3, input.Values["w"]);
    }

    [Theory]
    [InlineData("graph.svg", "<svg")]
    [InlineData("graph.dot", "digraph")]
    [InlineData("graph.html", "<!DOCTYPE html>")]
    public void OutWritesThePictureAtomically(string name, string start)
    {
        using var scratch = new ScratchDirectory();
        string path = scratch.File(name);
        var (code, _, error) = Run(Lecture, "--at", "w=3,b=4", "--out", path);
        Assert.Equal(0, code);
        Assert.Contains("wrote", error);
        string contents = File.ReadAllText(path);
        Assert.Contains(start, contents);
        Assert.Contains("162", contents);
        // b's two edges carry the two terms of its gradient
        Assert.Contains("27", contents);
        Assert.Contains("36", contents);
        Assert.Single(Directory.GetFiles(scratch.Path)); // no temporary file left behind
    }

    [Fact]
    public void SyntaxErrorShowsTheLineWithACaret()
    {
        var (code, output, error) = Run("z = (x + y * 3", "--at", "x=1,y=2");
        Assert.Equal(2, code);
        Assert.Equal("", output);
        string[] lines = error.TrimEnd().Split('\n');
        Assert.Equal("backprop explain: expected ')' at 1:15", lines[0]);
        Assert.Equal("  z = (x + y * 3", lines[1]);
        Assert.Equal(new string(' ', 2 + 14) + "^", lines[2]);
        Assert.DoesNotContain("   at ", error); // no stack trace
    }

    [Theory]
    [InlineData("z = foo(x)", "x=1", 2, "unknown function 'foo'")]
    [InlineData(Lecture, "w=3", 2, "no value for input b; give it with --at b=...")]
    [InlineData("z = x", "x=1,q=2", 2, "the program has no input named 'q'")]
    [InlineData("C = ln(B)", "B=-4", 5, "ln needs a positive argument, got B = -4, in C = ln(B) at 1:5")]
    [InlineData("D = sqrt(C)", "C=-1", 5, "sqrt needs a non-negative argument, got C = -1, in D = sqrt(C)")]
    [InlineData("z = x / (y - 2)", "x=1,y=2", 5, "division by zero: the divisor (y - 2) is 0, in z = x / (y - 2)")]
    [InlineData("z = x", "x", 2, "--at expects NAME=VALUE pairs")]
    public void BadInputIsNamedWithItsExitCode(string program, string at, int exitCode, string message)
    {
        var (code, _, error) = Run(program, "--at", at);
        Assert.Equal(exitCode, code);
        Assert.StartsWith("backprop explain: ", error);
        Assert.Contains(message, error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void AProgramTooLargeForAPictureIsOneLineAndPrintsNothingElse()
    {
        using var scratch = new ScratchDirectory();
        string path = scratch.File("big.svg");
        string program = "y = " + string.Join(" + ", Enumerable.Range(0, 600).Select(i => $"x{i}"));
        string at = string.Join(",", Enumerable.Range(0, 600).Select(i => $"x{i}=1"));
        var (code, output, error) = Run(program, "--at", at, "--out", path);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal("", output); // no half of the output before the error
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Matches(@"program too large for a picture: \d+ nodes, limit 1000", error);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void NonSyntaxErrorsAreOneLine()
    {
        var (_, _, error) = Run("C = ln(B)", "--at", "B=-4");
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Theory]
    [InlineData("--out", "graph.png", "must end in .svg, .dot or .html")]
    [InlineData("--of", "q", "no value named 'q'")]
    public void BadOptionsAreUsageErrors(string option, string value, string message)
    {
        var (code, _, error) = Run(Lecture, "--at", "w=3,b=4", option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, error);
    }

    [Fact]
    public void MissingProgramIsAUsageError()
    {
        var (code, _, error) = Run("--at", "w=3");
        Assert.Equal(2, code);
        Assert.Contains("no program", error);
    }

    [Fact]
    public void OutHtmlWritesThePlayerWithItsChecks()
    {
        using var scratch = new ScratchDirectory();
        string path = scratch.File("walk.html");
        var (code, _, _) = Run(Lecture, "--at", "w=3,b=4", "--out", path, "--check");
        Assert.Equal(0, code);
        string html = File.ReadAllText(path);
        Assert.Contains("<script type=\"application/json\" id=\"recording\">", html);
        Assert.Contains("\"check\":{", html);
        Assert.Contains("b (input) = 4; ∂z/∂b = 63; numerical check passed", html);
    }

    [Fact]
    public void CheckNeedsThePlayer()
    {
        using var scratch = new ScratchDirectory();
        var (code, _, error) = Run(Lecture, "--at", "w=3,b=4", "--out", scratch.File("graph.svg"), "--check");
        Assert.Equal(2, code);
        Assert.Contains("--check needs --out FILE.html", error);
    }

    [Fact]
    public void JsonListsAnInputTheOutputDoesNotDependOnWithGradientZero()
    {
        var (code, output, _) = Run("v1 = sqrt(1 + v1^2); out = v2 * 3", "--at", "v1=1,v2=2", "--json");
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var gradients = json.RootElement.GetProperty("gradients");
        Assert.Equal(0, gradients.GetProperty("v1").GetDouble());
        Assert.Equal(3, gradients.GetProperty("v2").GetDouble());
        Assert.Equal(["v1", "v2"], gradients.EnumerateObject().Select(p => p.Name)); // in order of first use
    }
}
