using System.Diagnostics;
using Backprop.Serialization;
using Backprop.Tests.Data;

namespace Backprop.Tests.Reliability;

/// <summary>
/// The built command line, killed with SIGKILL at random moments while training: the checkpoint on disk is always a
/// complete one (the previous or the new: it loads, its checksum holds, its epoch never goes back), and resuming from
/// whatever survived ends with exactly the weights and optimizer state of an uninterrupted run.
/// </summary>
public class CrashSafetyTests
{
    private const int Epochs = 6;
    private static readonly TimeSpan KillBudget = TimeSpan.FromSeconds(20);
    private const int MaxKills = 12;

    private static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "Backprop.Cli.dll");

    private static Process StartTrain(string outDirectory, bool resume)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Cli);
        start.ArgumentList.Add("train");
        string checkpoint = Path.Combine(outDirectory, "model.safetensors");
        if (resume)
        {
            foreach (string a in new[] { "--resume", checkpoint, "--threads", "1" }) start.ArgumentList.Add(a);
        }
        else
        {
            foreach (string a in new[] { "--data", "digits", "--model", "mlp:32", "--epochs", $"{Epochs}", "--batch-size", "32", "--threads", "1", "--out", outDirectory })
                start.ArgumentList.Add(a);
        }
        var process = Process.Start(start)!;
        process.StandardOutput.ReadToEndAsync();
        process.StandardError.ReadToEndAsync();
        return process;
    }

    private static void RunToEnd(string outDirectory, bool resume)
    {
        using var process = StartTrain(outDirectory, resume);
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "train did not finish");
        Assert.Equal(0, process.ExitCode);
    }

    private static Dictionary<string, byte[]> Tensors(string path) =>
        SafeTensorsFile.Read(path).Entries.ToDictionary(e => e.Name, e => e.Data.ToArray());

    private static void AssertSameTensors(string referenceDirectory, string checkpoint)
    {
        var expected = Tensors(Path.Combine(referenceDirectory, "model.safetensors"));
        var actual = Tensors(checkpoint);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, bytes) in expected)
            Assert.True(bytes.AsSpan().SequenceEqual(actual[name]), $"tensor {name} differs from the uninterrupted run's");
    }

    [Fact]
    public void Sigkill_at_random_moments_leaves_a_complete_checkpoint_that_resumes_bit_identically()
    {
        Assert.True(File.Exists(Cli), $"the built command line is expected at {Cli}");
        using var dir = new ScratchDirectory();
        string reference = Path.Combine(dir.Path, "reference");
        var referenceTime = Stopwatch.StartNew();
        RunToEnd(reference, resume: false);
        // Kill moments are drawn across the length of a whole run on this machine (start-up included), so kills land
        // before, between and after checkpoints however fast the machine is: fixed times of 0.3–1.8 s missed most runs
        // on a fast host, where a whole run took about a second.
        long runMs = referenceTime.ElapsedMilliseconds;
        int earliest = (int)Math.Max(50, runMs / 5), latest = (int)Math.Max(earliest + 50, runMs * 9 / 10);

        string killed = Path.Combine(dir.Path, "killed");
        string checkpoint = Path.Combine(killed, "model.safetensors");
        var random = new Random(20261202);
        int lastEpoch = -1, kills = 0;
        var clock = Stopwatch.StartNew();
        while (kills < MaxKills && clock.Elapsed < KillBudget)
        {
            bool resume = File.Exists(checkpoint);
            if (resume && Checkpoint.Load(checkpoint).Metadata.Epoch >= Epochs)
            {
                // A run finished before a kill landed: it must match, and the next round starts afresh.
                AssertSameTensors(reference, checkpoint);
                Directory.Delete(killed, recursive: true);
                lastEpoch = -1;
                continue;
            }
            using (var process = StartTrain(killed, resume))
            {
                int sleep = random.Next(earliest, latest);
                Thread.Sleep(sleep);
                if (process.HasExited)
                {
                    // The run was shorter than the kill moment: a resumed run has fewer epochs left, and the reference
                    // run may have been slowed by a load that has passed. Later kills are drawn from the shorter run.
                    latest = Math.Max(earliest + 50, sleep * 9 / 10);
                    earliest = Math.Min(earliest, Math.Max(50, latest / 4));
                    continue;
                }
                process.Kill(); // SIGKILL: no handler runs, nothing is flushed
                process.WaitForExit();
                kills++;
            }
            if (!File.Exists(checkpoint)) continue; // killed before the first epoch ended
            var loaded = Checkpoint.Load(checkpoint); // throws if partial or corrupt
            Assert.True(loaded.Metadata.Epoch >= lastEpoch, $"the checkpoint went back from epoch {lastEpoch} to {loaded.Metadata.Epoch}");
            lastEpoch = loaded.Metadata.Epoch;
            var logits = loaded.Model.Forward(Tensor.Zeros([2, .. loaded.Metadata.InputShape!]));
            Assert.Equal([2, 10], logits.ShapeArray);
        }
        Assert.True(kills >= 3, $"only {kills} kills landed in {clock.Elapsed} (kill moments {earliest}–{latest} ms, a whole run {runMs} ms)");

        bool exists = File.Exists(checkpoint);
        if (!exists || Checkpoint.Load(checkpoint).Metadata.Epoch < Epochs) RunToEnd(killed, resume: exists);
        AssertSameTensors(reference, checkpoint);

        // eval works from the checkpoint that survived the kills.
        var eval = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { Cli, "eval", checkpoint }) eval.ArgumentList.Add(a);
        using var evalProcess = Process.Start(eval)!;
        string output = evalProcess.StandardOutput.ReadToEnd() + evalProcess.StandardError.ReadToEnd();
        evalProcess.WaitForExit();
        Assert.True(evalProcess.ExitCode == 0, output);
    }
}
