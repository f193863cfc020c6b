using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Backprop.Serialization;

namespace Backprop.Training;

/// <summary>
/// A run directory cannot be used: it is a file, it already holds a run that the caller did not ask to continue or
/// replace, or another process is training into it. The message names the directory and what to do.
/// </summary>
public sealed class RunDirectoryException(string message) : IOException(message);

/// <summary>How a training run may use an output directory that already holds a run.</summary>
public enum RunDirectoryMode
{
    /// <summary>The directory must not hold a run yet (it may exist, empty or with other files).</summary>
    New,
    /// <summary>The run continues the one in the directory (or starts one there).</summary>
    Resume,
    /// <summary>A run in the directory is replaced: its checkpoint, metrics and reports are deleted first.</summary>
    Overwrite,
}

/// <summary>
/// The files a training run leaves in its output directory: <c>model.safetensors</c> (the checkpoint),
/// <c>metrics.csv</c> (one row per epoch) and any reports the run asks for (the CLI adds <c>curves.svg</c>). Every file is written
/// atomically, so a failure or a crash leaves the previous complete file or none — never a partial one.
/// <see cref="Lock"/> keeps a second process from training into the same directory at the same time.
/// </summary>
public sealed partial class RunDirectory(string path)
{
    /// <summary>The lock file a running training holds open (with an OS lock that ends with the process).</summary>
    public const string LockFileName = ".backprop.lock";

    /// <summary>The header of <c>metrics.csv</c>.</summary>
    public const string MetricsHeader = "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds";

    /// <summary>The directory.</summary>
    public string Path { get; } = path;

    /// <summary>The checkpoint's path.</summary>
    public string CheckpointPath => System.IO.Path.Combine(Path, "model.safetensors");

    /// <summary>The metrics table's path.</summary>
    public string MetricsPath => System.IO.Path.Combine(Path, "metrics.csv");

    /// <summary>Whether the directory holds a run: a checkpoint or a metrics table.</summary>
    public bool HoldsRun => File.Exists(CheckpointPath) || File.Exists(MetricsPath);

    /// <summary>
    /// Checks, without creating or changing anything, that a run may use the directory in <paramref name="mode"/>;
    /// throws <see cref="RunDirectoryException"/> when the path is a file, when another process holds the lock, or
    /// (for <see cref="RunDirectoryMode.New"/>) when the directory already holds a run.
    /// </summary>
    public void CheckUsable(RunDirectoryMode mode)
    {
        if (File.Exists(Path)) throw new RunDirectoryException($"'{Path}' is a file, not a directory");
        if (!Directory.Exists(Path)) return;
        if (File.Exists(LockPath)) Lock().Dispose(); // throws while another run holds it
        if (mode == RunDirectoryMode.New && HoldsRun)
            throw new RunDirectoryException($"'{Path}' already holds a run ({(File.Exists(CheckpointPath) ? "model.safetensors" : "metrics.csv")}); continue it with --resume, replace it with --overwrite, or choose another directory");
    }

    /// <summary>
    /// Creates the directory and takes its lock: an exclusive OS lock on <see cref="LockFileName"/>, so a second
    /// process asking for it fails at once with <see cref="RunDirectoryException"/>, and the lock of a killed process
    /// is released by the OS with it (the file it leaves behind locks nothing). While the lock is held no other run
    /// writes here, so temporary files left by a killed run (<c>NAME.tmp-HEX</c>) are deleted. Dispose to release.
    /// </summary>
    public IDisposable Lock()
    {
        Directory.CreateDirectory(Path);
        FileStream stream;
        try
        {
            stream = new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (File.Exists(LockPath))
        {
            throw new RunDirectoryException($"'{Path}' is in use by another training run (it holds {LockFileName} open); wait for it to end or choose another directory");
        }
        try
        {
            stream.SetLength(0);
            stream.Write(Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"));
            stream.Flush();
            foreach (string file in Directory.EnumerateFiles(Path))
                if (StaleTemporary().IsMatch(System.IO.Path.GetFileName(file))) File.Delete(file);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        return new LockHandle(stream, LockPath);
    }

    /// <summary>Deletes the run's checkpoint, metrics and the named report files (to replace the run; hold the lock).</summary>
    public void RemoveRun(IEnumerable<string> reportFileNames)
    {
        File.Delete(CheckpointPath);
        File.Delete(MetricsPath);
        foreach (string name in reportFileNames) File.Delete(System.IO.Path.Combine(Path, name));
    }

    private string LockPath => System.IO.Path.Combine(Path, LockFileName);

    // The temporary names AtomicFile writes before its rename: the target's name, ".tmp-" and 16 hex digits.
    [GeneratedRegex(@"\.tmp-[0-9a-f]{16}$")]
    private static partial Regex StaleTemporary();

    // Deleting the file before closing it keeps the directory as the run left it; a process that opened the old file
    // in between fails its lock and reports the directory in use, as it would have a moment earlier.
    private sealed class LockHandle(FileStream stream, string path) : IDisposable
    {
        public void Dispose()
        {
            try { File.Delete(path); }
            finally { stream.Dispose(); }
        }
    }

    /// <summary>Writes <c>metrics.csv</c>: the header, then one row per epoch; numbers in full precision, an empty field for NaN.</summary>
    public void WriteMetrics(IReadOnlyList<EpochMetrics> history) => AtomicFile.WriteAllText(MetricsPath, MetricsCsv(history));

    /// <summary>
    /// The text of <c>metrics.csv</c>: <see cref="MetricsHeader"/>'s columns, then a <c>train_NAME,test_NAME</c> pair for
    /// every metric other than accuracy the run recorded (in the order first recorded).
    /// </summary>
    public static string MetricsCsv(IReadOnlyList<EpochMetrics> history)
    {
        var extra = new List<string>();
        foreach (var m in history)
            foreach (string name in m.TrainMetrics.Keys.Concat(m.TestMetrics.Keys))
                if (name != MetricLog.Accuracy && !extra.Contains(name)) extra.Add(name);
        var sb = new StringBuilder(MetricsHeader);
        foreach (string name in extra) sb.Append(",train_").Append(name).Append(",test_").Append(name);
        sb.Append('\n');
        foreach (var m in history)
        {
            sb.Append(m.Epoch.ToString(CultureInfo.InvariantCulture));
            foreach (double v in (ReadOnlySpan<double>)[m.TrainLoss, m.TrainAccuracy, m.TestLoss, m.TestAccuracy, m.Seconds]) Field(v);
            foreach (string name in extra)
            {
                Field(m.TrainMetrics.GetValueOrDefault(name, double.NaN));
                Field(m.TestMetrics.GetValueOrDefault(name, double.NaN));
            }
            sb.Append('\n');
        }
        return sb.ToString();

        void Field(double v) => sb.Append(',').Append(double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "");
    }

    /// <summary>Writes a report (such as the curves picture) into the directory atomically; returns its path.</summary>
    public string WriteReport(IRunReport report, IReadOnlyList<EpochMetrics> history)
    {
        string path = System.IO.Path.Combine(Path, report.FileName);
        AtomicFile.WriteAllText(path, report.Render(history));
        return path;
    }
}
