using System.Diagnostics;
using Backprop.Cli;
using Backprop.Serialization;
using Backprop.Tests.Data;

namespace Backprop.Tests.Cli;

// The built CLI in a child process, stopped by a real signal: SIGINT (Ctrl+C) exits 130, SIGTERM 143; train saves
// its checkpoint first and prints the command that resumes. Every wait is bounded.
public class SignalTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData("INT", ExitCodes.Interrupted)]
    [InlineData("TERM", ExitCodes.Terminated)]
    public void TrainSavesAResumableCheckpointOnASignal(string signal, int exitCode)
    {
        if (OperatingSystem.IsWindows()) return; // POSIX signals
        using var dir = new ScratchDirectory();
        string run = dir.File("run");
        var (code, error) = RunUntil(["train", "--data", "spiral", "--model", "mlp:32", "--epochs", "100000", "--threads", "1", "--out", run],
            "epoch 1/100000", signal);
        Assert.Equal(exitCode, code);
        string checkpoint = Path.Combine(run, "model.safetensors");
        Assert.Contains($"checkpoint saved to {checkpoint}", error);
        Assert.Contains($"train: resume with: backprop train --resume {checkpoint} --threads 1", error);
        Assert.True(Checkpoint.Load(checkpoint).Metadata.Epoch >= 1);
        Assert.False(File.Exists(Path.Combine(run, ".backprop.lock")));
    }

    [Theory]
    [InlineData("INT", ExitCodes.Interrupted)]
    [InlineData("TERM", ExitCodes.Terminated)]
    public void BenchStopsOnASignal(string signal, int exitCode)
    {
        if (OperatingSystem.IsWindows()) return;
        // Sent once the first product's result is out, while the larger ones are measured.
        var (code, error) = RunUntil(["bench", "gemm"], "sgemm_256", signal);
        Assert.Equal(exitCode, code);
        Assert.Equal("backprop bench: interrupted", error.Trim());
    }

    [Fact]
    public void WorkThatWatchesNoTokenStillStopsAtOnce()
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var clock = Stopwatch.StartNew();
        Assert.Throws<OperationCanceledException>(() => Interruptible.Run(() => { Thread.Sleep(3000); return 1; }, cancellation.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2.5), $"took {clock.Elapsed}");
        // The work's own exception comes out as itself, not wrapped.
        Assert.Throws<FormatException>(() => Interruptible.Run<int>(() => throw new FormatException("x"), new CancellationTokenSource().Token));
        Assert.Equal(7, Interruptible.Run(() => 7, new CancellationTokenSource().Token));
    }

    [Fact]
    public void InProcessCancellationOfSolveIsExit130()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        int code = CommandLine.Run(["solve", "z = x*x", "--at", "x=3", "--target", "4", "--vary", "x"], stdout, stderr, cancelled.Token);
        Assert.Equal(ExitCodes.Interrupted, code);
        Assert.Equal("backprop solve: interrupted", stderr.ToString().Trim());
        Assert.Equal("", stdout.ToString());
    }

    [Fact]
    public void InProcessCancellationOfExplainIsExit130()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        int code = CommandLine.Run(["explain", "z = x*x", "--at", "x=3"], stdout, stderr, cancelled.Token);
        Assert.Equal(ExitCodes.Interrupted, code);
        Assert.Equal("backprop explain: interrupted", stderr.ToString().Trim());
        Assert.Equal("", stdout.ToString());
    }

    private static (int Code, string Error) RunUntil(string[] args, string text, string signal)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "Backprop.Cli.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add(cli);
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = new System.Text.StringBuilder();
        var seen = new ManualResetEventSlim();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (error) error.AppendLine(e.Data);
            if (e.Data.Contains(text, StringComparison.Ordinal)) seen.Set();
        };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains(text, StringComparison.Ordinal) == true) seen.Set();
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        process.StandardInput.Close();
        try
        {
            // The message is built only on failure, under the lock: the reader thread may still be appending.
            if (!seen.Wait(Bound))
                lock (error) Assert.Fail($"'{text}' never appeared: {error}");
            using (var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
            Assert.True(process.WaitForExit(Bound), "the process did not stop");
            process.WaitForExit(); // drains the redirected streams
            lock (error) return (process.ExitCode, error.ToString());
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }
}
