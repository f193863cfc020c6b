using System.Text.Json;
using Backprop.Cli;

namespace Backprop.Tests.Cli;

// Runs `backprop solve` in-process; expected numbers are derived by hand in SolverTests.
public class SolveCommandTests
{
    private const string Lecture = "x = 2*w + 3*b; y = 2*b + 1; z = x*y";

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandLine.Run(["solve", .. args], stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static (int Code, JsonElement Root, string Err) RunJson(params string[] args)
    {
        var (code, output, error) = Run([.. args, "--json"]);
        return (code, JsonDocument.Parse(output).RootElement, error);
    }

    private static double[] Column(JsonElement root, string property, string name) =>
        root.GetProperty("iterations").EnumerateArray().Select(i => i.GetProperty(property).GetProperty(name).GetDouble()).ToArray();

    [Fact]
    public void LectureExampleVaryingW()
    {
        var (code, root, _) = RunJson(Lecture, "--at", "w=3,b=4", "--target", "150", "--vary", "w");
        Assert.Equal(0, code);
        Assert.True(root.GetProperty("converged").GetBoolean());
        // Δw = (150 − 162)/18 = −2/3: one step to w = 2.3333 with z = 150
        Assert.Equal(2, root.GetProperty("iterations").GetArrayLength());
        Assert.Equal(2.3333, root.GetProperty("solution").GetProperty("w").GetDouble(), 4);
        Assert.Equal(150, root.GetProperty("output").GetDouble(), 9);
        Assert.Equal(18, Column(root, "gradient", "w")[0]);
    }

    [Fact]
    public void LectureExampleVaryingWAndB()
    {
        var (code, root, _) = RunJson(Lecture, "--at", "w=3,b=4", "--target", "150", "--vary", "w,b");
        Assert.Equal(0, code);
        Assert.True(root.GetProperty("converged").GetBoolean());
        double w = root.GetProperty("solution").GetProperty("w").GetDouble();
        double b = root.GetProperty("solution").GetProperty("b").GetDouble();
        Assert.Equal(150, (2 * w + 3 * b) * (2 * b + 1), 7);
    }

    [Fact]
    public void ChainOfFunctionsFirstStep()
    {
        var (code, root, _) = RunJson("A = X + 1; B = A^2; C = ln(B); D = sqrt(C); E = D - 1", "--at", "X=2", "--target", "0.5", "--vary", "X");
        Assert.Equal(0, code);
        Assert.Equal(0.4823, root.GetProperty("iterations")[0].GetProperty("output").GetDouble(), 4);
        Assert.Equal(2.0787, Column(root, "values", "X")[1], 4);
        Assert.Equal(0.4997, root.GetProperty("iterations")[1].GetProperty("output").GetDouble(), 4);
        Assert.True(root.GetProperty("converged").GetBoolean());
    }

    [Fact]
    public void SquareFirstStepIsAHundredth()
    {
        var (code, root, _) = RunJson("y = x^2", "--at", "x=1.99", "--target", "4", "--vary", "x");
        Assert.Equal(0, code);
        Assert.Equal(0.01, Column(root, "values", "x")[1] - 1.99, 4);
    }

    [Fact]
    public void SquareRootOfLogConverges()
    {
        var (code, root, _) = RunJson("a = x^2; b = ln(a); c = sqrt(b)", "--at", "x=2", "--target", "2.13", "--vary", "x");
        Assert.Equal(0, code);
        Assert.Equal(9.664, root.GetProperty("solution").GetProperty("x").GetDouble(), 3);
    }

    [Fact]
    public void TextTableHasOneRowPerIteration()
    {
        var (code, output, _) = Run(Lecture, "--at", "w=3,b=4", "--target", "150", "--vary", "w");
        Assert.Equal(0, code);
        string[] lines = output.TrimEnd().Split('\n');
        Assert.Contains("iter", lines[1]);
        Assert.Matches(@"^\s+0\s+3\s+162\s", lines[2]);
        Assert.Matches(@"^\s+1\s+2\.333333333\s+150\s", lines[3]);
        Assert.StartsWith("converged after 1 step", lines[4]);
    }

    [Theory]
    [InlineData("z = x*0 + y", "x=4,y=1", "3", "", 4, "zero gradient at x = 4")]
    [InlineData("z = sqrt(x)", "x=4", "-1", "", 5, "sqrt needs a non-negative argument, got x = -8, in z = sqrt(x)")]
    [InlineData("z = exp(x)", "x=-5", "1", "", 6, "diverged")]
    [InlineData("a = x^2; b = ln(a); c = sqrt(b)", "x=2", "2.13", "2", 3, "not converged after 2 steps")]
    [InlineData("z = ln(x)", "x=-1", "1", "", 5, "ln needs a positive argument, got x = -1")]
    public void StallsExitWithTheirOwnCode(string program, string at, string target, string maxIter, int exitCode, string message)
    {
        string[] args = [program, "--at", at, "--target", target, "--vary", "x", .. maxIter.Length > 0 ? new[] { "--max-iter", maxIter } : []];
        var (code, _, error) = Run(args);
        Assert.Equal(exitCode, code);
        Assert.StartsWith("backprop solve: ", error);
        Assert.Contains(message, error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void StallsStillPrintTheJsonWithTheirStatus()
    {
        var (code, root, _) = RunJson("z = x*0 + y", "--at", "x=4,y=1", "--target", "3", "--vary", "x");
        Assert.Equal(4, code);
        Assert.False(root.GetProperty("converged").GetBoolean());
        Assert.Equal("zero_gradient", root.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("--vary", "q", "cannot vary 'q'")]
    [InlineData("--target", "abc", "--target expects a number")]
    public void BadOptionsAreUsageErrors(string option, string value, string message)
    {
        string[] args = option == "--vary"
            ? [Lecture, "--at", "w=3,b=4", "--target", "150", "--vary", value]
            : [Lecture, "--at", "w=3,b=4", "--target", value, "--vary", "w"];
        var (code, _, error) = Run(args);
        Assert.Equal(2, code);
        Assert.Contains(message, error);
    }

    [Fact]
    public void MissingTargetIsAUsageError()
    {
        var (code, _, error) = Run(Lecture, "--at", "w=3,b=4", "--vary", "w");
        Assert.Equal(2, code);
        Assert.Contains("--target is required", error);
    }

    [Fact]
    public void OutWritesThePlayerOfTheSolve()
    {
        using var scratch = new Data.ScratchDirectory();
        string path = scratch.File("steps.html");
        var (code, _, error) = Run(Lecture, "--at", "w=3,b=4", "--target", "150", "--vary", "w", "--out", path);
        Assert.Equal(0, code);
        Assert.Contains("wrote", error);
        string html = File.ReadAllText(path);
        Assert.Contains("\"solve\":{\"target\":150", html);
        Assert.Contains("converged after 1 step", html);
    }

    [Fact]
    public void OutOfASolveMustBeHtml()
    {
        var (code, _, error) = Run(Lecture, "--at", "w=3,b=4", "--target", "150", "--vary", "w", "--out", "steps.svg");
        Assert.Equal(2, code);
        Assert.Contains("must end in .html", error);
    }

    [Fact]
    public void OutWritesThePlayerOfAMinimisation()
    {
        using var scratch = new Data.ScratchDirectory();
        string path = scratch.File("steps.html");
        var (code, output, error) = Run("f = (w - 3)^2 + 2*(b + 1)^2", "--at", "w=0,b=0", "--vary", "w,b", "--minimize", "--method", "newton", "--out", path);
        Assert.Equal(0, code);
        Assert.StartsWith("minimising f", output);
        Assert.Equal($"wrote {path}", error.Trim());
        string html = File.ReadAllText(path);
        Assert.Contains("\"goal\":\"minimum\",\"method\":\"newton\"", html);
        Assert.Contains("converged after 1 step (|\\u2207f| = 8.882e-16): w = 3, b = -1", html); // the JSON inside escapes non-ASCII
    }

    [Fact]
    public void OutOfAMinimisationMustBeHtmlAndIsCheckedFirst()
    {
        var (code, output, error) = Run("f = (w - 3)^2", "--at", "w=0", "--vary", "w", "--minimize", "--out", "steps.svg");
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("must end in .html", error);
    }

    [Fact]
    public void AnUnwritableOutIsOneLineAndLeavesNoFile()
    {
        using var scratch = new Data.ScratchDirectory();
        string notADirectory = scratch.File("plain-file");
        File.WriteAllText(notADirectory, "");
        string path = Path.Combine(notADirectory, "steps.html");
        var (code, _, error) = Run("f = (w - 3)^2", "--at", "w=0", "--vary", "w", "--minimize", "--out", path);
        Assert.NotEqual(0, code);
        Assert.Single(error.Trim().Split('\n'));
        Assert.StartsWith("backprop solve: ", error);
        Assert.False(File.Exists(path));
        Assert.Equal([notADirectory], Directory.GetFileSystemEntries(scratch.Path));
    }
}
