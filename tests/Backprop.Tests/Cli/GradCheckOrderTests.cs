using System.Text.Json;
using Backprop.Cli;

namespace Backprop.Tests.Cli;

/// <summary>`backprop gradcheck --order 2` and `--mode forward`: second derivatives and JVPs per case.</summary>
public class GradCheckOrderTests
{
    private static (int Code, string[] Lines) Run(params string[] args)
    {
        var stdout = new StringWriter();
        int code = CommandLine.Run(args, stdout, new StringWriter());
        return (code, stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void SecondOrderChecksASupportedOperator()
    {
        var (code, lines) = Run("gradcheck", "--order", "2", "--op", "softmax", "--json");
        Assert.Equal(0, code);
        Assert.Equal(2, lines.Length);
        foreach (var line in lines)
        {
            var root = JsonDocument.Parse(line).RootElement;
            Assert.Equal(2, root.GetProperty("order").GetInt32());
            Assert.True(root.GetProperty("passed").GetBoolean());
            Assert.True(root.GetProperty("max_abs_error").GetDouble() < 1e-5);
        }
    }

    [Fact]
    public void SecondOrderChecksTheConvolutions()
    {
        var (code, lines) = Run("gradcheck", "--order", "2", "--op", "conv2d");
        Assert.Equal(0, code);
        Assert.Equal(3, lines.Count(l => l.StartsWith("conv2d") && l.TrimEnd().EndsWith("pass")));
        Assert.Contains("3 passed, 0 failed, 0 unsupported", lines[^1]);
    }

    [Fact]
    public void AnOrderOtherThanOneOrTwoIsAUsageError()
    {
        var stderr = new StringWriter();
        int code = CommandLine.Run(["gradcheck", "--order", "3"], new StringWriter(), stderr);
        Assert.Equal(2, code);
        Assert.Contains("--order must be 1 or 2, got '3'", stderr.ToString());
    }

    [Fact]
    public void ForwardModeChecksEveryCaseOfAnOperator()
    {
        var (code, lines) = Run("gradcheck", "--mode", "forward", "--op", "matmul", "--json");
        Assert.Equal(0, code);
        Assert.Equal(GradCheckSuite.All.Count(c => c.Operator == "matmul"), lines.Length);
        foreach (var line in lines)
        {
            var root = JsonDocument.Parse(line).RootElement;
            Assert.Equal("forward", root.GetProperty("mode").GetString());
            Assert.Equal(1, root.GetProperty("order").GetInt32());
            Assert.True(root.GetProperty("passed").GetBoolean());
            Assert.True(root.GetProperty("max_abs_error").GetDouble() < 1e-5);
        }
    }

    [Fact]
    public void ForwardModePrintsATableAndACount()
    {
        var (code, lines) = Run("gradcheck", "--mode", "forward", "--op", "cross_entropy");
        Assert.Equal(0, code);
        int cases = GradCheckSuite.All.Count(c => c.Operator == "cross_entropy");
        Assert.Equal(cases, lines.Count(l => l.StartsWith("cross_entropy") && l.TrimEnd().EndsWith("pass")));
        Assert.Contains($"{cases} passed, 0 failed", lines[^1]);
    }

    [Fact]
    public void ReverseModeIsTheDefault()
    {
        var (code, lines) = Run("gradcheck", "--op", "add", "--json");
        Assert.Equal(0, code);
        Assert.All(lines, l => Assert.Equal("reverse", JsonDocument.Parse(l).RootElement.GetProperty("mode").GetString()));
    }

    [Theory]
    [InlineData(new[] { "gradcheck", "--mode", "sideways" }, "--mode must be reverse or forward, got 'sideways'")]
    [InlineData(new[] { "gradcheck", "--mode", "forward", "--order", "2" }, "--mode forward checks first derivatives; it cannot be combined with --order 2")]
    public void ABadModeIsAUsageError(string[] args, string message)
    {
        var stderr = new StringWriter();
        int code = CommandLine.Run(args, new StringWriter(), stderr);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr.ToString());
    }
}
