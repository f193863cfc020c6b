using System.Text.Json;
using Backprop.Cli;

namespace Backprop.Tests.Cli;

// `backprop solve --method` and `--minimize` in-process; expected numbers are derived by hand in SecondOrderSolverTests.
public class SolveMethodTests
{
    private const string Chain = "A = X + 1; B = A^2; C = ln(B); D = sqrt(C); E = D - 1";
    private const string Lecture = "x = 2*w + 3*b; y = 2*b + 1; z = x*y";
    private const string Bowl = "f = (w - 3)^2 + 2*(b + 1)^2";

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandLine.Run(["solve", .. args], stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static (int Code, JsonElement Root) RunJson(params string[] args)
    {
        var (code, output, _) = Run([.. args, "--json"]);
        return (code, JsonDocument.Parse(output).RootElement);
    }

    [Fact]
    public void HalleyTakesFewerStepsThanNewtonOnTheChain()
    {
        var (newtonCode, newton) = RunJson(Chain, "--at", "X=2", "--target", "0.5", "--vary", "X");
        var (halleyCode, halley) = RunJson(Chain, "--at", "X=2", "--target", "0.5", "--vary", "X", "--method", "halley");
        Assert.Equal(0, newtonCode);
        Assert.Equal(0, halleyCode);
        Assert.Equal("newton", newton.GetProperty("method").GetString());
        Assert.Equal("halley", halley.GetProperty("method").GetString());
        int newtonSteps = newton.GetProperty("iterations").GetArrayLength() - 1, halleySteps = halley.GetProperty("iterations").GetArrayLength() - 1;
        Assert.True(halleySteps < newtonSteps, $"Halley {halleySteps}, Newton {newtonSteps}");
        Assert.True(Math.Abs(halley.GetProperty("output").GetDouble() - 0.5) <= 1e-12);
        double u = 2 * Math.Log(3);
        Assert.Equal(-(Math.Pow(u, -1.5) + Math.Pow(u, -0.5)) / 9,
            halley.GetProperty("iterations")[0].GetProperty("second_derivative").GetProperty("X").GetDouble(), 14);
        Assert.False(newton.GetProperty("iterations")[0].TryGetProperty("second_derivative", out _));
    }

    [Fact]
    public void HalleyTextShowsBothDerivatives()
    {
        var (code, output, _) = Run(Lecture, "--at", "w=3,b=4", "--target", "150", "--vary", "b", "--method", "halley");
        Assert.Equal(0, code);
        string[] lines = output.TrimEnd().Split('\n');
        Assert.Contains("Halley's method", lines[0]);
        Assert.Contains("∂²z/∂b²", lines[1]);
        Assert.Matches(@"^\s+0\s+4\s+162\s+1\.200e\+01\s+63\s+12$", lines[2]);
        Assert.StartsWith("converged after 2 steps", lines[^1]);
    }

    [Fact]
    public void MinimiseTheBowlWithNewtonAsJson()
    {
        var (code, root) = RunJson(Bowl, "--at", "w=0,b=0", "--vary", "w,b", "--minimize", "--method", "newton");
        Assert.Equal(0, code);
        Assert.Equal("newton", root.GetProperty("method").GetString());
        Assert.False(root.TryGetProperty("lr", out _));
        Assert.Equal(2, root.GetProperty("iterations").GetArrayLength());
        Assert.Equal(3, root.GetProperty("solution").GetProperty("w").GetDouble(), 12);
        Assert.Equal(-1, root.GetProperty("solution").GetProperty("b").GetDouble(), 12);
        JsonElement hessian = root.GetProperty("iterations")[0].GetProperty("hessian");
        Assert.Equal([2.0, 0.0, 0.0, 4.0], hessian.EnumerateArray().SelectMany(r => r.EnumerateArray()).Select(v => v.GetDouble()));
        Assert.Equal(Math.Sqrt(52), root.GetProperty("iterations")[0].GetProperty("gradient_norm").GetDouble(), 14);
    }

    [Fact]
    public void GradientDescentIsTheDefaultWithItsLearningRate()
    {
        var (code, root) = RunJson(Bowl, "--at", "w=0,b=0", "--vary", "w,b", "--minimize", "--lr", "0.25");
        Assert.Equal(0, code);
        Assert.Equal("gradient", root.GetProperty("method").GetString());
        Assert.Equal(0.25, root.GetProperty("lr").GetDouble());
        // w ← 0 − 0.25·(−6) = 1.5; b ← 0 − 0.25·4 = −1 (b's factor 1 − 0.25·4 = 0: there at once).
        Assert.Equal(1.5, root.GetProperty("iterations")[1].GetProperty("values").GetProperty("w").GetDouble(), 14);
        Assert.Equal(-1, root.GetProperty("iterations")[1].GetProperty("values").GetProperty("b").GetDouble(), 14);
    }

    [Theory]
    [InlineData(Lecture, "w=3,b=4", "w", 7, "the second derivative is 0")]
    [InlineData(Lecture, "w=3,b=4", "w,b", 7, "the Hessian is not positive definite")]
    [InlineData("f = x - ln(x)", "x=3", "x", 5, "step 1 left the domain at x = -3")]
    public void NewtonStallsExitWithTheirOwnCode(string program, string at, string vary, int exitCode, string message)
    {
        var (code, output, error) = Run(program, "--at", at, "--vary", vary, "--minimize", "--method", "newton");
        Assert.Equal(exitCode, code);
        Assert.StartsWith("minimising", output);
        Assert.StartsWith("backprop solve: ", error);
        Assert.Contains(message, error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void CurvatureStallStillPrintsTheJson()
    {
        var (code, root) = RunJson(Lecture, "--at", "w=3,b=4", "--vary", "w", "--minimize", "--method", "newton");
        Assert.Equal(7, code);
        Assert.Equal("curvature", root.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("--method halley --minimize", "--method halley hits a target")]
    [InlineData("--method halley --target 150", "--method halley varies one input, got 2")]
    [InlineData("--target 150 --lr 0.1", "--lr is the step size of gradient descent: it needs --minimize")]
    [InlineData("--minimize --method newton --lr 0.1", "Newton's method takes its step from the Hessian")]
    [InlineData("--target 150 --method secant", "--method must be one of")]
    [InlineData("--minimize --method secant", "--method must be one of")]
    [InlineData("--target 150 --method gradient", "--method gradient minimises the output: add --minimize")]
    [InlineData("--minimize --target 150", "--minimize looks for the smallest output, so it takes no --target")]
    [InlineData("--minimize --lr 0", "--lr")]
    [InlineData("", "--target is required")]
    public void BadCombinationsAreOneLineUsageErrors(string options, string message)
    {
        string[] extra = options.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var (code, output, error) = Run([Lecture, "--at", "w=3,b=4", "--vary", "w,b", .. extra]);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains(message, error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }
}
