using System.Text.Json;
using Backprop.Cli;
using Backprop.Serialization;

namespace Backprop.Tests.Cli;

// Runs `backprop train` in-process on the small synthetic sets (quadrants: 2,000 training points) for a few epochs.
public sealed class TrainCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "backprop-train-cli-" + Guid.NewGuid().ToString("N"));

    public TrainCommandTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    private static (int Code, string Out, string Err) Run(string[] args, CancellationToken cancellation = default, TextWriter? stderr = null)
    {
        var stdout = new StringWriter();
        stderr ??= new StringWriter();
        int code = CommandLine.Run(["train", .. args], stdout, stderr, cancellation);
        return (code, stdout.ToString(), stderr.ToString()!);
    }

    private static float[][] Weights(string checkpoint) =>
        [.. Checkpoint.Load(checkpoint).Model.StateDict().Select(e => e.Value.ToFloatArray())];

    private static readonly string[] Quick = ["--data", "quadrants", "--model", "mlp:8", "--batch-size", "100", "--lr", "0.05"];

    [Fact]
    public void JsonSummaryIsTheOnlyOutputAndFilesAreWritten()
    {
        string run = PathOf("run");
        var (code, output, error) = Run([.. Quick, "--epochs", "2", "--out", run, "--json"]);
        Assert.Equal(0, code);
        var root = JsonDocument.Parse(output).RootElement; // throws if anything but one JSON object is on stdout
        string[] keys = ["data", "model", "epochs", "train_accuracy", "test_accuracy", "test_loss", "seconds", "samples_per_second", "parameters", "checkpoint", "report", "kernels"];
        Assert.Equal(keys, root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(Backprop.Kernels.KernelSelection.Gemm, root.GetProperty("kernels").GetProperty("gemm").GetString());
        Assert.Equal(Backprop.Kernels.KernelSelection.Conv2d, root.GetProperty("kernels").GetProperty("conv2d").GetString());
        Assert.Equal("quadrants", root.GetProperty("data").GetString());
        Assert.Equal("mlp:8", root.GetProperty("model").GetString());
        Assert.Equal(2, root.GetProperty("epochs").GetInt32());
        Assert.Equal(2 * 8 + 8 + 8 * 4 + 4, root.GetProperty("parameters").GetInt32());
        Assert.True(root.GetProperty("test_accuracy").GetDouble() > 0.9);
        Assert.Equal(Path.Combine(run, "model.safetensors"), root.GetProperty("checkpoint").GetString());
        Assert.Contains("epoch 2/2", error); // progress went to stderr
        Assert.Equal(3, File.ReadAllLines(Path.Combine(run, "metrics.csv")).Length);
        Assert.True(File.Exists(Path.Combine(run, "curves.svg")));
        Assert.Equal(Path.Combine(run, "report.html"), root.GetProperty("report").GetString());
        Assert.True(File.Exists(Path.Combine(run, "report.html")));
    }

    [Fact]
    public void SameSeedGivesSameWeightsWithOneOrTwoThreads()
    {
        // 64-unit layers so the matrix products are large enough to be split over threads.
        string[] args = ["--data", "quadrants", "--model", "mlp:64,64", "--batch-size", "100", "--epochs", "2", "--optimizer", "sgd", "--weight-decay", "0.001"];
        Assert.Equal(0, Run([.. args, "--threads", "1", "--out", PathOf("t1")]).Code);
        Assert.Equal(0, Run([.. args, "--threads", "2", "--out", PathOf("t2")]).Code);
        Assert.Equal(Weights(PathOf("t1/model.safetensors")), Weights(PathOf("t2/model.safetensors")));
    }

    [Fact]
    public void ResumingAfterTwoEpochsEndsWithTheWeightsOfFour()
    {
        Assert.Equal(0, Run([.. Quick, "--schedule", "none", "--epochs", "4", "--out", PathOf("straight")]).Code);
        Assert.Equal(0, Run([.. Quick, "--schedule", "none", "--epochs", "2", "--out", PathOf("split")]).Code);
        // Everything else (data, model, optimizer, seed) comes from the checkpoint; the output goes back to its directory.
        var (code, _, error) = Run(["--resume", PathOf("split/model.safetensors"), "--epochs", "4"]);
        Assert.Equal(0, code);
        Assert.Contains("resuming after epoch 2", error);
        Assert.Equal(Weights(PathOf("straight/model.safetensors")), Weights(PathOf("split/model.safetensors")));
        Assert.Equal(5, File.ReadAllLines(PathOf("split/metrics.csv")).Length);
    }

    [Fact]
    public void InterruptionSavesACheckpointThatResumesExactly()
    {
        Assert.Equal(0, Run([.. Quick, "--epochs", "3", "--out", PathOf("straight")]).Code);

        // Ctrl+C arrives while epoch 1's line is printed: training stops before epoch 2's first batch.
        using var cancellation = new CancellationTokenSource();
        var stderr = new CancelOnText("epoch 1/3", cancellation);
        var (code, _, _) = Run([.. Quick, "--epochs", "3", "--out", PathOf("cut")], cancellation.Token, stderr);
        string error = stderr.ToString()!;
        Assert.Equal(ExitCodes.Interrupted, code);
        Assert.Contains("interrupted in epoch 2 after 0 of 20 batches", error);
        Assert.Contains($"backprop train --resume {PathOf("cut/model.safetensors")}", error);
        Assert.Equal(1, Checkpoint.Load(PathOf("cut/model.safetensors")).Metadata.Epoch);

        Assert.Equal(0, Run(["--resume", PathOf("cut/model.safetensors")]).Code);
        Assert.Equal(Weights(PathOf("straight/model.safetensors")), Weights(PathOf("cut/model.safetensors")));
    }

    [Fact]
    public void ResumingAFinishedRunAsksForMoreEpochs()
    {
        Assert.Equal(0, Run([.. Quick, "--epochs", "1", "--out", PathOf("done")]).Code);
        var (code, _, error) = Run(["--resume", PathOf("done/model.safetensors")]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("larger --epochs", error);
    }

    [Theory]
    [InlineData(ExitCodes.Usage, "model spec 'mlp:abc' is not valid", "--data", "quadrants", "--model", "mlp:abc")]
    [InlineData(ExitCodes.Usage, "--model: model spec 'resnet'", "--data", "quadrants", "--model", "resnet")]
    [InlineData(ExitCodes.Usage, "--lr must be positive", "--data", "quadrants", "--lr", "0")]
    [InlineData(ExitCodes.Usage, "--lr must be positive", "--data", "quadrants", "--lr", "-0.1")]
    [InlineData(ExitCodes.Usage, "--epochs must be", "--data", "quadrants", "--epochs", "0")]
    [InlineData(ExitCodes.Usage, "unknown data set 'imagenet'", "--data", "imagenet")]
    [InlineData(ExitCodes.Usage, "unknown optimizer 'rmsprop'", "--data", "quadrants", "--optimizer", "rmsprop")]
    [InlineData(ExitCodes.Usage, "unknown schedule 'linear'", "--data", "quadrants", "--schedule", "linear")]
    [InlineData(ExitCodes.Usage, "--momentum applies to --optimizer sgd only", "--data", "quadrants", "--momentum", "0.5")]
    [InlineData(ExitCodes.Usage, "unknown option --learning-rate", "--data", "quadrants", "--learning-rate", "0.1")]
    [InlineData(ExitCodes.Failure, "apt-get install dataset-fashion-mnist", "--data", "fashion-mnist", "/nonexistent/fashion")]
    [InlineData(ExitCodes.Failure, "does not exist", "--data", "csv", "/nonexistent/data.csv")]
    [InlineData(ExitCodes.Failure, "checkpoint '/nonexistent/model.safetensors' does not exist", "--resume", "/nonexistent/model.safetensors")]
    public void BadOptionsFailWithOneLineAndWriteNothing(int expectedCode, string message, params string[] args)
    {
        AssertFailsCleanly(expectedCode, message, args);
    }

    [Theory]
    [InlineData("a,b,label\n1,2,0\n3,4,1\n5,6\n", "line 4 has 2 columns, expected 3")]
    [InlineData("1,2,0\n3,x,1\n5,6,0\n", "line 2, column 2")]
    [InlineData("1,2,0\n3,4,-1\n5,6,1\n", "line 2, column 3: label '-1'")]
    [InlineData("1,2,0\n3,4,1.5\n5,6,1\n", "line 2, column 3: label '1.5'")]
    public void BadCsvNamesRowAndColumn(string csv, string message)
    {
        string file = PathOf("data.csv");
        File.WriteAllText(file, csv);
        AssertFailsCleanly(ExitCodes.Failure, message, "--data", "csv", file);
    }

    [Fact]
    public void CsvTrains()
    {
        // Two well-separated clusters: label 1 where x + y > 0.
        var rows = Enumerable.Range(0, 200).Select(i => (x: Math.Sin(i * 1.3) * 3, y: Math.Cos(i * 0.7) * 3))
            .Where(p => Math.Abs(p.x + p.y) > 0.5)
            .Select(p => FormattableString.Invariant($"{p.x:0.###},{p.y:0.###},{(p.x + p.y > 0 ? 1 : 0)}"));
        string file = PathOf("clusters.csv");
        File.WriteAllText(file, "x,y,label\n" + string.Join("\n", rows) + "\n");
        var (code, output, _) = Run(["--data", $"csv:{file}", "--epochs", "20", "--out", PathOf("csvrun"), "--json"]);
        Assert.Equal(0, code);
        Assert.True(JsonDocument.Parse(output).RootElement.GetProperty("test_accuracy").GetDouble() >= 0.9);
    }

    [Fact]
    public void ResumeWithAModelOfOtherShapesFails()
    {
        Assert.Equal(0, Run([.. Quick, "--epochs", "1", "--out", PathOf("small")]).Code);
        var before = File.GetLastWriteTimeUtc(PathOf("small/model.safetensors"));
        var (code, output, error) = Run(["--resume", PathOf("small/model.safetensors"), "--model", "mlp:16", "--epochs", "2"]);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal("", output);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.Contains("0.weight has shape [8, 2], the model expects [16, 2]", error);
        Assert.Equal(before, File.GetLastWriteTimeUtc(PathOf("small/model.safetensors")));
        Assert.Equal(["curves.svg", "metrics.csv", "model.safetensors", "report.html"], Directory.GetFiles(PathOf("small")).Select(f => Path.GetFileName(f)).Order().ToArray());
    }

    [Fact]
    public void ResumeFromACorruptFileFails()
    {
        string file = PathOf("corrupt.safetensors");
        File.WriteAllBytes(file, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        AssertFailsCleanly(ExitCodes.Failure, "corrupt.safetensors", "--resume", file);
    }

    private void AssertFailsCleanly(int expectedCode, string message, params string[] args)
    {
        string output = PathOf("out-" + Guid.NewGuid().ToString("N"));
        var (code, stdout, stderr) = Run([.. args, "--out", output]);
        Assert.Equal(expectedCode, code);
        Assert.Equal("", stdout);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("backprop train: ", stderr);
        Assert.Contains(message, stderr);
        Assert.False(Directory.Exists(output), "no output may be written for a failed run");
    }

    /// <summary>A stderr that cancels the token when a line containing the given text is written (a Ctrl+C at a known moment).</summary>
    private sealed class CancelOnText(string text, CancellationTokenSource source) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.Contains(text, StringComparison.Ordinal) == true) source.Cancel();
        }
    }
}
