using System.Text.Json;
using Backprop.Onnx;
using Backprop.Optim;

namespace Backprop.Tests.Onnx;

/// <summary>
/// Models exported by PyTorch's <c>torch.onnx.export</c> (opset 17, made by tools/fixtures/onnx_pytorch.py): they
/// import, predict what PyTorch predicted, and fine-tune with Backprop's SGD through the imported graph's own
/// gradients with the same losses, step by step, as PyTorch's SGD on the original module.
/// </summary>
public class OnnxPyTorchFixtureTests
{
    private const string Relative = "tests/Backprop.Tests/Onnx/Fixtures";

    private static string FixtureDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, Relative))) return Path.Combine(dir.FullName, Relative);
        throw new DirectoryNotFoundException(Relative);
    }

    private sealed record Fixture(OnnxModel Model, Tensor Input, Tensor Expected, int[] Labels, double LearningRate, double[] Losses, string[] Parameters);

    private static Fixture Load(string name)
    {
        var dir = FixtureDirectory();
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "onnx_pytorch.json")));
        var e = doc.RootElement.GetProperty(name);
        int[] Ints(string p) => [.. e.GetProperty(p).EnumerateArray().Select(v => v.GetInt32())];
        double[] Doubles(string p) => [.. e.GetProperty(p).EnumerateArray().Select(v => v.GetDouble())];
        float[] Floats(string p) => [.. e.GetProperty(p).EnumerateArray().Select(v => (float)v.GetDouble())];
        return new Fixture(
            OnnxModel.Load(Path.Combine(dir, e.GetProperty("file").GetString()!)),
            Tensor.FromArray(Floats("input"), Ints("input_shape")),
            Tensor.FromArray(Floats("output"), Ints("output_shape")),
            Ints("labels"),
            e.GetProperty("sgd_lr").GetDouble(),
            Doubles("sgd_losses"),
            [.. e.GetProperty("parameters").EnumerateArray().Select(v => v.GetString()!)]);
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void Imported_model_predicts_what_pytorch_predicted(string name)
    {
        var f = Load(name);
        Assert.Equal("input", Assert.Single(f.Model.Inputs).Name);
        Assert.Null(f.Model.Inputs[0].Dims![0]); // the dynamic batch dimension
        var actual = f.Model.Run(f.Input)[0].ToArray<float>();
        var expected = f.Expected.ToArray<float>();
        Assert.Equal(f.Expected.Shape.ToArray(), f.Model.Run(f.Input)[0].Shape.ToArray());
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 * Math.Abs(expected[i]) + 1e-6,
                $"{name} output {i}: {actual[i]:R}, PyTorch {expected[i]:R}");
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void Parameters_are_pytorchs_and_batchnorm_statistics_are_buffers(string name)
    {
        var f = Load(name);
        Assert.Equal(f.Parameters, f.Model.NamedParameters().Select(p => p.Key));
        Assert.All(f.Model.Parameters(), p => Assert.True(p.RequiresGrad));
        if (name == "cnn")
            Assert.Equal(["norm.running_mean", "norm.running_var"], f.Model.NamedBuffers().Select(b => b.Key));
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void Fine_tuning_with_sgd_follows_pytorchs_losses(string name)
    {
        var f = Load(name);
        var sgd = new Sgd(f.Model.Parameters(), f.LearningRate);
        var losses = new List<double>();
        for (int step = 0; step < f.Losses.Length; step++)
        {
            sgd.ZeroGrad();
            var loss = f.Model.Run(f.Input)[0].CrossEntropy(f.Labels);
            losses.Add(loss.Item());
            loss.Backward();
            sgd.Step();
        }
        for (int i = 0; i < losses.Count; i++)
            Assert.True(Math.Abs(losses[i] - f.Losses[i]) <= 1e-5 * Math.Abs(f.Losses[i]), $"{name} step {i}: loss {losses[i]:R}, PyTorch {f.Losses[i]:R}");
        for (int i = 1; i < losses.Count; i++) Assert.True(losses[i] < losses[i - 1], $"{name}: the loss rose at step {i}: {string.Join(", ", losses)}");
    }
}
