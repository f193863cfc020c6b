using Backprop.Cli;
using Backprop.Cli.Models;
using Backprop.NN;
using Backprop.Serialization;
using Backprop.Tests.Data;
using Backprop.Tests.Onnx;

namespace Backprop.Tests.Cli;

// `backprop export CHECKPOINT --onnx FILE` in-process: MLP, CNN and GPT checkpoints, run by ONNX Runtime against the
// checkpoint's own model; and the user's mistakes as one line with no file written.
public class ExportCommandTests
{
    private static string SaveCheckpoint(ScratchDirectory dir, string spec, int[] inputShape, int classes)
    {
        var model = ModelSpec.Parse(spec).Build(inputShape, classes, new Generator(7));
        string path = dir.File(spec.Replace(':', '_') + ".safetensors");
        Checkpoint.Save(path, model, new CheckpointMetadata { ModelSpec = spec, InputShape = inputShape, NumClasses = classes, Epoch = 1 });
        return path;
    }

    [Theory]
    [InlineData("mlp:32,16", new[] { 12 })]
    [InlineData("cnn+bn", new[] { 1, 8, 8 })]
    public void ClassifierCheckpointExportsAndAgreesWithOnnxRuntime(string spec, int[] inputShape)
    {
        using var dir = new ScratchDirectory();
        string checkpoint = SaveCheckpoint(dir, spec, inputShape, 4);
        string onnx = dir.File("model.onnx");
        var (code, output, error) = EvalCommandTests.Run("export", checkpoint, "--onnx", onnx);
        Assert.True(code == 0, error);
        Assert.Contains($"wrote {onnx}", output);

        var model = Checkpoint.Load(checkpoint).Model;
        model.Eval();
        foreach (int batch in new[] { 3, 6 })
        {
            var x = Tensor.Normal([batch, .. inputShape], 0, 1, new Generator((ulong)batch));
            Tensor expected;
            using (Backprop.Autograd.NoGrad()) expected = model.Forward(x);
            OnnxRuntimeCheck.AssertClose(expected, OnnxRuntimeCheck.Run(onnx, ("input", x)), $"{spec} at batch {batch}");
        }
    }

    [Fact]
    public void GptCheckpointExportsAndAgreesWithOnnxRuntime()
    {
        using var dir = new ScratchDirectory();
        File.WriteAllText(dir.File("fox.txt"), string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog.\n", 40)));
        var (trainCode, _, trainError) = EvalCommandTests.Run("train", "--data", "text:" + dir.File("fox.txt"),
            "--model", "gpt:layers=1,heads=2,embed=16,block=8", "--batch-size", "4", "--epochs", "1", "--out", dir.File("run"));
        Assert.True(trainCode == 0, trainError);
        string checkpoint = dir.File("run/model.safetensors");
        string onnx = dir.File("gpt.onnx");
        var (code, output, error) = EvalCommandTests.Run("export", checkpoint, "--onnx", onnx);
        Assert.True(code == 0, error);
        Assert.Contains("int32 [batch, 8]", output);

        var (gpt, vocabulary) = GptCheckpoint.Load(checkpoint);
        foreach (int batch in new[] { 2, 5 })
        {
            var tokens = OnnxExportTests.Tokens(batch, 8, vocabulary.Count, batch);
            Tensor expected;
            using (Backprop.Autograd.NoGrad()) expected = gpt.Forward(tokens);
            OnnxRuntimeCheck.AssertClose(expected, OnnxRuntimeCheck.Run(onnx, ("input", tokens)), $"gpt at batch {batch}");
        }
    }

    [Fact]
    public void MistakesAreOneLineAndWriteNoFile()
    {
        using var dir = new ScratchDirectory();
        string onnx = dir.File("model.onnx");

        var (code, _, error) = EvalCommandTests.Run("export", dir.File("missing.safetensors"), "--onnx", onnx);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("does not exist", error);
        Assert.Single(error.TrimEnd().Split('\n'));

        string checkpoint = SaveCheckpoint(dir, "mlp:8", [4], 2);
        (code, _, error) = EvalCommandTests.Run("export", checkpoint);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--onnx", error);

        File.WriteAllText(dir.File("broken.safetensors"), "not a checkpoint");
        (code, _, error) = EvalCommandTests.Run("export", dir.File("broken.safetensors"), "--onnx", onnx);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.DoesNotContain("   at ", error);

        (code, _, error) = EvalCommandTests.Run("export", checkpoint, "--onnx", dir.File("folder/"));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("is a directory", error);
        Assert.False(Directory.Exists(dir.File("folder")));
        Assert.False(File.Exists(onnx));
    }
}
