using System.Text.Json;
using Backprop.Tests.Data;
using static Backprop.Tests.Cli.EvalCommandTests;

namespace Backprop.Tests.Cli;

// `backprop predict model.onnx` and `backprop explain model.onnx`, in-process, on the PyTorch-exported fixtures.
public class OnnxCommandTests
{
    private static string Fixture(string file)
    {
        const string relative = "tests/Backprop.Tests/Onnx/Fixtures";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, relative))) return Path.Combine(dir.FullName, relative, file);
        throw new DirectoryNotFoundException(relative);
    }

    private static JsonElement Mlp()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Fixture("onnx_pytorch.json")));
        return doc.RootElement.GetProperty("mlp").Clone();
    }

    [Fact]
    public void Predict_with_an_onnx_model_gives_pytorchs_probabilities()
    {
        var mlp = Mlp();
        var x = mlp.GetProperty("input").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var logits = mlp.GetProperty("output").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        using var dir = new ScratchDirectory();
        string csv = dir.File("rows.csv");
        File.WriteAllLines(csv, Enumerable.Range(0, 8).Select(r => string.Join(",", x.Skip(12 * r).Take(12).Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))));

        var (code, output, error) = Run("predict", Fixture("mlp.onnx"), "--input", csv, "--json");

        Assert.True(code == 0, error);
        var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(8, rows.Length);
        for (int r = 0; r < 8; r++)
        {
            var z = logits.Skip(5 * r).Take(5).ToArray();
            var e = z.Select(v => Math.Exp(v - z.Max())).ToArray();
            var p = rows[r].GetProperty("probabilities").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            for (int c = 0; c < 5; c++) Assert.Equal(e[c] / e.Sum(), p[c], 5);
            Assert.Equal(Array.IndexOf(z, z.Max()), rows[r].GetProperty("predicted").GetInt32());
        }
    }

    [Fact]
    public void Predict_with_a_corrupt_onnx_file_is_one_line_and_fails()
    {
        using var dir = new ScratchDirectory();
        string model = dir.File("bad.onnx");
        File.WriteAllBytes(model, File.ReadAllBytes(Fixture("mlp.onnx"))[..300]);
        string csv = dir.File("rows.csv");
        File.WriteAllLines(csv, ["1,2,3"]);

        var (code, _, error) = Run("predict", model, "--input", csv);

        Assert.NotEqual(0, code);
        Assert.Contains("is not a valid ONNX model", error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Explain_lists_the_imported_graph_with_shapes_and_draws_it()
    {
        using var dir = new ScratchDirectory();
        string svg = dir.File("cnn.svg");

        var (code, output, error) = Run("explain", Fixture("cnn.onnx"), "--out", svg);

        Assert.True(code == 0, error);
        Assert.Contains("opset 17, 6 nodes", output);
        Assert.Contains("MaxPool", output);
        Assert.Contains("-> /pool/MaxPool_output_0 [1, 4, 4, 4]", output);
        Assert.Contains("output logits [1, 3]", output);
        var picture = File.ReadAllText(svg);
        Assert.Contains("BatchNormalization", picture);
        Assert.Contains("[1, 64]", picture);
    }

    [Fact]
    public void Explain_of_a_missing_onnx_file_fails_with_one_line()
    {
        var (code, _, error) = Run("explain", "/nonexistent/model.onnx");
        Assert.NotEqual(0, code);
        Assert.Contains("'/nonexistent/model.onnx' does not exist", error);
    }
}
