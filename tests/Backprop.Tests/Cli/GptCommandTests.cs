using Backprop.Cli;
using Backprop.Serialization;

namespace Backprop.Tests.Cli;

// `backprop train --data text:FILE --model gpt:...` and `backprop generate`, in-process, on a small text with a tiny model.
public sealed class GptCommandTests : IDisposable
{
    private const string Sentence = "the quick brown fox jumps over the lazy dog.\n";
    private static readonly string[] Tiny = ["--model", "gpt:layers=1,heads=2,embed=16,block=8", "--batch-size", "4", "--epochs", "2"];
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "backprop-gpt-cli-" + Guid.NewGuid().ToString("N"));

    public GptCommandTests()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(PathOf("fox.txt"), string.Concat(Enumerable.Repeat(Sentence, 100)));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    private static (int Code, string Out, string Err) Run(string[] args, CancellationToken cancellation = default, TextWriter? stderr = null)
    {
        var stdout = new StringWriter();
        stderr ??= new StringWriter();
        int code = CommandLine.Run(args, stdout, stderr, cancellation);
        return (code, stdout.ToString(), stderr.ToString()!);
    }

    private string Train(string run)
    {
        var (code, _, error) = Run(["train", "--data", "text:" + PathOf("fox.txt"), .. Tiny, "--out", PathOf(run)]);
        Assert.True(code == 0, error);
        return PathOf(run + "/model.safetensors");
    }

    private static float[][] Weights(string checkpoint) => [.. Checkpoint.Read(checkpoint).Weights.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value.ToFloatArray())];

    [Fact]
    public void TrainedModelGeneratesTextOfItsVocabularyReproducibly()
    {
        string checkpoint = Train("run");
        var metrics = File.ReadAllLines(PathOf("run/metrics.csv"));
        Assert.Equal(3, metrics.Length);  // a header and two epochs
        Assert.True(File.Exists(PathOf("run/curves.svg")));
        // The report: the curves, and for the rest the reason a language model has none of it.
        string report = File.ReadAllText(PathOf("run/report.html"));
        Assert.Contains("validation loss", report);
        Assert.Equal(4, System.Text.RegularExpressions.Regex.Count(report, "Does not apply: a character-level language model predicts the next character"));

        var (code, output, error) = Run(["generate", checkpoint, "--prompt", "the ", "--tokens", "40", "--seed", "3"]);
        Assert.True(code == 0, error);
        Assert.StartsWith("the ", output);
        string sampled = output[4..^Environment.NewLine.Length];
        Assert.Equal(40, sampled.Length);
        Assert.All(sampled, c => Assert.Contains(c, Sentence));
        Assert.Equal(output, Run(["generate", checkpoint, "--prompt", "the ", "--tokens", "40", "--seed", "3"]).Out);
    }

    [Fact]
    public void TrainingLowersTheValidationLoss()
    {
        // 45 characters repeat: after 400 steps the model has learnt much of the sentence, far below ln 29 ≈ 3.37.
        Train("run");
        var last = File.ReadAllLines(PathOf("run/metrics.csv"))[^1].Split(',');
        double testLoss = double.Parse(last[3], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(testLoss, 0, 2.5);
    }

    [Fact]
    public void APromptLongerThanTheBlockIsCroppedToItsLastBlockCharacters()
    {
        string checkpoint = Train("run");
        var (code, output, _) = Run(["generate", checkpoint, "--prompt", Sentence + Sentence, "--tokens", "5"]);
        Assert.Equal(0, code);
        Assert.StartsWith(Sentence + Sentence, output);
    }

    [Fact]
    public void InterruptionSavesACheckpointThatResumesExactly()
    {
        string straight = Train("straight");
        using var cancellation = new CancellationTokenSource();
        var stderr = new CancelOnText("epoch 1/2", cancellation);
        var (code, _, _) = Run(["train", "--data", "text:" + PathOf("fox.txt"), .. Tiny, "--out", PathOf("cut")], cancellation.Token, stderr);
        Assert.Equal(ExitCodes.Interrupted, code);
        Assert.Contains("interrupted in epoch 2 after 0 of 200 batches", stderr.ToString());
        Assert.Equal(0, Run(["train", "--resume", PathOf("cut/model.safetensors")]).Code);
        Assert.Equal(Weights(straight), Weights(PathOf("cut/model.safetensors")));
    }

    [Fact]
    public void BadTextFilesAreOneLineErrors()
    {
        File.WriteAllBytes(PathOf("empty.txt"), []);
        File.WriteAllBytes(PathOf("latin1.txt"), [(byte)'a', 0xE9, (byte)'b']);
        foreach (var (file, expected) in new[] { ("empty.txt", "the text is empty"), ("latin1.txt", "not UTF-8 text: byte 0xE9 at offset 1") })
        {
            var (code, _, error) = Run(["train", "--data", "text:" + PathOf(file), "--out", PathOf("x")]);
            Assert.Equal(ExitCodes.Failure, code);
            Assert.Contains(expected, error);
            Assert.Single(error.TrimEnd().Split('\n'));
        }
        Assert.False(Directory.Exists(PathOf("x")));
    }

    [Theory]
    [InlineData("gpt:layers=0", "layers needs a whole number from 1 to 65536, got '0'")]
    [InlineData("gpt:depth=3", "unknown setting 'depth'")]
    [InlineData("gpt:embed=30,heads=4", "embed (30) must be a multiple of heads (4)")]
    [InlineData("gpt:heads=2,heads=4", "heads is given twice")]
    [InlineData("mlp:16", "is not a GPT spec")]
    public void BadModelSpecsAreUsageErrors(string spec, string expected)
    {
        var (code, _, error) = Run(["train", "--data", "text:" + PathOf("fox.txt"), "--model", spec, "--out", PathOf("x")]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(expected, error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void GenerateRefusesCharactersOutsideTheVocabularyAndOtherModels()
    {
        string checkpoint = Train("run");
        var (code, output, error) = Run(["generate", checkpoint, "--prompt", "the Zebra"]);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal("", output);
        Assert.Contains("character 'Z' (U+005A) at position 4 is not in the model's vocabulary of 29 characters", error);

        Assert.Equal(0, Run(["train", "--data", "quadrants", "--epochs", "1", "--out", PathOf("mlp")]).Code);
        (code, _, error) = Run(["generate", PathOf("mlp/model.safetensors")]);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("not a GPT", error);
        Assert.Single(error.TrimEnd().Split('\n'));
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
