using System.Text.Json;
using Backprop.Cli;

namespace Backprop.Tests.Cli;

// `backprop explain --order 2` in-process; expected numbers are derived by hand in GradientGraphTests.
public class ExplainOrderTests
{
    private const string Lecture = "x = 2*w + 3*b; y = 2*b + 1; z = x*y";

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandLine.Run(["explain", .. args], stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void TextShowsTheGradientGraphAndTheHessian()
    {
        var (code, output, _) = Run(Lecture, "--at", "w=3,b=4", "--order", "2");
        Assert.Equal(0, code);
        Assert.Contains("the gradient is a computation graph too", output);
        Assert.Matches(@"\n  y\s+\+\s+\+\(2\*b, 1\)\s+9\s+forward value\n", output);
        Assert.Contains("= ∂z/∂w", output);
        Assert.Contains("∂²z/∂w² = 0", output);
        Assert.Contains("∂²z/∂w∂b = 4", output);
        Assert.Contains("∂²z/∂b² = 12", output);
    }

    [Fact]
    public void OrderOneIsTheOrdinaryExplanation()
    {
        Assert.Equal(Run(Lecture, "--at", "w=3,b=4").Out, Run(Lecture, "--at", "w=3,b=4", "--order", "1").Out);
    }

    [Fact]
    public void JsonHasTheHessianAndTheNodes()
    {
        var (code, output, _) = Run(Lecture, "--at", "w=3,b=4", "--order", "2", "--json");
        Assert.Equal(0, code);
        JsonElement root = JsonDocument.Parse(output).RootElement;
        Assert.Equal(2, root.GetProperty("order").GetInt32());
        Assert.Equal(4, root.GetProperty("hessian").GetProperty("w").GetProperty("b").GetDouble());
        Assert.Equal(12, root.GetProperty("hessian").GetProperty("b").GetProperty("b").GetDouble());
        JsonElement dw = root.GetProperty("gradients").GetProperty("w");
        Assert.Equal(18, dw.GetProperty("value").GetDouble());
        var nodes = root.GetProperty("nodes").EnumerateArray().ToList();
        JsonElement node = nodes.Single(n => n.GetProperty("id").GetInt32() == dw.GetProperty("node").GetInt32());
        Assert.Equal("operation", node.GetProperty("kind").GetString());
        Assert.Equal(18, node.GetProperty("value").GetDouble());
        Assert.Contains(nodes, n => n.GetProperty("kind").GetString() == "forward" && n.GetProperty("label").GetString() == "y");
    }

    [Fact]
    public void PictureIsWritten()
    {
        string dir = Directory.CreateTempSubdirectory("explain-order2-").FullName;
        try
        {
            string path = Path.Combine(dir, "grad.svg");
            var (code, _, error) = Run("A = X + 1; B = A^2; C = ln(B); D = sqrt(C); E = D - 1", "--at", "X=2", "--order", "2", "--out", path);
            Assert.Equal(0, code);
            Assert.Contains("wrote", error);
            string svg = File.ReadAllText(path);
            Assert.Contains("<svg", svg);
            Assert.Contains("∂E/∂X", svg);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("3", "--order must be 1 (the forward and backward pass) or 2 (the graph of the gradient), got '3'")]
    [InlineData("two", "got 'two'")]
    public void BadOrderIsAUsageError(string order, string message)
    {
        var (code, output, error) = Run(Lecture, "--at", "w=3,b=4", "--order", order);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains(message, error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void AProgramWithoutInputsHasNoGradientGraph()
    {
        var (code, output, _) = Run("z = 2 + 3", "--order", "2");
        Assert.Equal(0, code);
        Assert.Contains("the program has no inputs, so there is no gradient to draw", output);
    }

    [Fact]
    public void AnOnnxModelTakesNoOrder()
    {
        // The check comes before the file is opened, so the model need not exist.
        var (code, _, error) = Run("missing-model.onnx", "--order", "2");
        Assert.Equal(2, code);
        Assert.Contains("--order explains a program's derivatives", error);
    }

    [Fact]
    public void AGradientGraphTooLargeToDrawFailsBeforePrinting()
    {
        // x·x·…·x of 300 factors: ∂²z/∂x² = 300·299 at x = 1, from a gradient graph of more than a thousand nodes.
        string program = "z = " + string.Join(" * ", Enumerable.Repeat("x", 300));
        var (code, text, _) = Run(program, "--at", "x=1", "--order", "2");
        Assert.Equal(0, code);
        Assert.Contains("∂²z/∂x² = 89700", text);
        string dir = Directory.CreateTempSubdirectory("explain-order2-").FullName;
        try
        {
            var (drawCode, output, error) = Run(program, "--at", "x=1", "--order", "2", "--out", Path.Combine(dir, "big.svg"));
            Assert.Equal(1, drawCode);
            Assert.Equal("", output);
            Assert.Contains("gradient graph too large for a picture", error);
            Assert.Empty(Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
