using System.Text.Json;
using Backprop.Cli;

namespace Backprop.Tests.Cli;

/// <summary>`backprop gradcheck --order 2`: second derivatives per case.</summary>
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
}
