using Backprop.Cli;
using Backprop.Cli.Commands;
using Backprop.Serialization;
using Backprop.Training;
using Backprop.Tests.Data;

namespace Backprop.Tests.Cli;

// `train --out`: a directory holding a run is refused without --resume or --overwrite, a directory another run
// holds is refused while it runs, a lock left by a killed process blocks nothing, and bad paths say what is wrong.
public class TrainOutputDirectoryTests
{
    private static readonly string[] Quick = ["--data", "quadrants", "--model", "mlp:4", "--batch-size", "500", "--epochs", "1"];

    private static (int Code, string Out, string Err) Train(params string[] args) => Run(["train", .. Quick, .. args]);

    private static (int Code, string Out, string Err) Run(string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandLine.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void ADirectoryHoldingARunIsRefusedUnlessOverwritten()
    {
        using var dir = new ScratchDirectory();
        string run = dir.File("run");
        Assert.Equal(0, Train("--out", run).Code);
        var before = File.GetLastWriteTimeUtc(Path.Combine(run, "model.safetensors"));

        var (code, output, error) = Train("--out", run, "--seed", "5");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.Equal($"backprop train: --out '{run}' already holds a run (model.safetensors); continue it with --resume, replace it with --overwrite, or choose another directory", error.TrimEnd());
        Assert.Equal(before, File.GetLastWriteTimeUtc(Path.Combine(run, "model.safetensors")));

        Assert.Equal(0, Train("--out", run, "--seed", "5", "--overwrite").Code);
        Assert.Equal(["curves.svg", "metrics.csv", "model.safetensors", "report.html"], Directory.GetFiles(run).Select(f => Path.GetFileName(f)).Order().ToArray());
        Assert.Contains("\"seed\":5", Checkpoint.Load(Path.Combine(run, "model.safetensors")).Metadata.TrainingConfigJson);
    }

    [Fact]
    public void ADirectoryInUseByAnotherRunIsRefused()
    {
        using var dir = new ScratchDirectory();
        string run = dir.File("busy");
        using (new RunDirectory(run).Lock()) // as a training process holds it
        {
            var (code, _, error) = Train("--out", run);
            Assert.Equal(ExitCodes.Usage, code);
            Assert.Contains($"'{run}' is in use by another training run", error);
            Assert.Single(error.TrimEnd().Split('\n'));
            Assert.False(File.Exists(Path.Combine(run, "model.safetensors")));
        }
        Assert.Equal(0, Train("--out", run).Code);
    }

    [Theory]
    [InlineData("classifier")]
    [InlineData("gpt")]
    public async Task ASecondTrainIntoTheDirectoryOfARunningTrainIsRefused(string kind)
    {
        // The lock held by train itself, not by the test: a long first run, and a second one started while it trains.
        using var dir = new ScratchDirectory();
        string run = dir.File("run");
        string[] longRun = kind == "gpt"
            ? ["--data", "text:" + dir.File("fox.txt"), "--model", "gpt:layers=1,heads=2,embed=16,block=8", "--batch-size", "4"]
            : ["--data", "spiral", "--model", "mlp:32"];
        if (kind == "gpt") File.WriteAllText(dir.File("fox.txt"), string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog.\n", 100)));
        using var stop = new CancellationTokenSource();
        var firstError = new SignallingWriter();
        var first = Task.Run(() => CommandLine.Run(
            ["train", .. longRun, "--epochs", "100000", "--threads", "1", "--out", run], TextWriter.Null, firstError, stop.Token));
        try
        {
            // Its first line on stderr comes after it took the directory.
            Assert.True(firstError.Written.Wait(TimeSpan.FromSeconds(60)), "the first train did not start within 60 s");
            var (code, _, error) = kind == "gpt"
                ? Run(["train", .. longRun, "--epochs", "1", "--out", run])
                : Train("--out", run);
            Assert.Equal(ExitCodes.Usage, code);
            Assert.Contains($"'{run}' is in use by another training run", error);
        }
        finally
        {
            stop.Cancel();
            await Task.WhenAny(first, Task.Delay(TimeSpan.FromSeconds(60)));
        }
        Assert.True(first.IsCompleted, "the first train did not stop within 60 s of its cancellation");
        Assert.Equal(ExitCodes.Interrupted, await first);
    }

    /// <summary>A StringWriter that signals its first write (train's first line comes from another thread).</summary>
    private sealed class SignallingWriter : StringWriter
    {
        public ManualResetEventSlim Written { get; } = new();

        public override void Write(char value) { base.Write(value); Written.Set(); }
        public override void Write(string? value) { base.Write(value); Written.Set(); }
        public override void Write(char[] buffer, int index, int count) { base.Write(buffer, index, count); Written.Set(); }
        public override void Write(ReadOnlySpan<char> buffer) { base.Write(buffer); Written.Set(); }
        public override void WriteLine(ReadOnlySpan<char> buffer) { base.WriteLine(buffer); Written.Set(); }
    }

    [Fact]
    public void ALockFileLeftByAKilledRunBlocksNothingAndItsTemporariesAreRemoved()
    {
        using var dir = new ScratchDirectory();
        string run = dir.File("killed");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, RunDirectory.LockFileName), "12345\n"); // no process holds it
        string temporary = Path.Combine(run, "model.safetensors.tmp-0123456789abcdef");
        File.WriteAllText(temporary, "half a checkpoint");
        Assert.Equal(0, Train("--out", run).Code);
        Assert.False(File.Exists(temporary));
        Assert.False(File.Exists(Path.Combine(run, RunDirectory.LockFileName)));
    }

    [Fact]
    public void TheLockIsExclusiveWithinAndAcrossProcesses()
    {
        using var dir = new ScratchDirectory();
        var directory = new RunDirectory(dir.File("run"));
        using (directory.Lock())
        {
            var e = Assert.Throws<RunDirectoryException>(() => directory.Lock());
            Assert.Contains("in use by another training run", e.Message);
        }
        using (directory.Lock()) { } // released: free again
    }

    [Theory]
    [InlineData("", "--out needs a directory, got an empty string")]
    [InlineData("FILE", "is a file, not a directory")]
    public void BadOutPathsSayWhatIsWrong(string outPath, string message)
    {
        using var dir = new ScratchDirectory();
        if (outPath == "FILE")
        {
            outPath = dir.File("hostname");
            File.WriteAllText(outPath, "a file");
        }
        var (code, output, error) = Train("--out", outPath);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.StartsWith("backprop train: --out", error);
        Assert.Contains(message, error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Theory]
    [InlineData("1e308", "--lr must be at most 1000, got 1e308")]
    [InlineData("1e400", "--lr expects a number of at most about 1.8e308 in size, got '1e400'")]
    [InlineData("nan", "--lr expects a number, got 'nan'")]
    public void HugeLearningRatesGetABound(string lr, string message)
    {
        using var dir = new ScratchDirectory();
        var (code, _, error) = Train("--lr", lr, "--out", dir.File("x"));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal($"backprop train: {message}", error.TrimEnd());
    }

    [Theory]
    [InlineData("runs/x/model.safetensors", null, false, "backprop train --resume runs/x/model.safetensors")]
    [InlineData("/tmp/my run/model.safetensors", "2", true, "backprop train --resume '/tmp/my run/model.safetensors' --threads 2 --json")]
    [InlineData("it's/model.safetensors", null, false, "backprop train --resume 'it'\\''s/model.safetensors'")]
    public void TheResumeCommandIsWhatAShellReadsBack(string checkpoint, string? threads, bool json, string expected)
    {
        Assert.Equal(expected, TrainCommand.ResumeCommand(checkpoint, threads, json));
    }
}
