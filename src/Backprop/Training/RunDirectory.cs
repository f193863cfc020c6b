using System.Globalization;
using System.Text;
using Backprop.Serialization;

namespace Backprop.Training;

/// <summary>
/// The files a training run leaves in its output directory: <c>model.safetensors</c> (the checkpoint),
/// <c>metrics.csv</c> (one row per epoch) and any reports the run asks for (the CLI adds <c>curves.svg</c>). Every file is written
/// atomically, so a failure or a crash leaves the previous complete file or none — never a partial one.
/// </summary>
public sealed class RunDirectory(string path)
{
    /// <summary>The header of <c>metrics.csv</c>.</summary>
    public const string MetricsHeader = "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds";

    /// <summary>The directory.</summary>
    public string Path { get; } = path;

    /// <summary>The checkpoint's path.</summary>
    public string CheckpointPath => System.IO.Path.Combine(Path, "model.safetensors");

    /// <summary>The metrics table's path.</summary>
    public string MetricsPath => System.IO.Path.Combine(Path, "metrics.csv");

    /// <summary>Writes <c>metrics.csv</c>: the header, then one row per epoch; numbers in full precision, an empty field for NaN.</summary>
    public void WriteMetrics(IReadOnlyList<EpochMetrics> history) => AtomicFile.WriteAllText(MetricsPath, MetricsCsv(history));

    /// <summary>The text of <c>metrics.csv</c>.</summary>
    public static string MetricsCsv(IReadOnlyList<EpochMetrics> history)
    {
        var sb = new StringBuilder(MetricsHeader).Append('\n');
        foreach (var m in history)
        {
            sb.Append(m.Epoch.ToString(CultureInfo.InvariantCulture));
            foreach (double v in (ReadOnlySpan<double>)[m.TrainLoss, m.TrainAccuracy, m.TestLoss, m.TestAccuracy, m.Seconds])
                sb.Append(',').Append(double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "");
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Writes a report (such as the curves picture) into the directory atomically; returns its path.</summary>
    public string WriteReport(IRunReport report, IReadOnlyList<EpochMetrics> history)
    {
        string path = System.IO.Path.Combine(Path, report.FileName);
        AtomicFile.WriteAllText(path, report.Render(history));
        return path;
    }
}
