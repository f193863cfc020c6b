using System.Diagnostics;
using System.Globalization;
using Backprop.Training;

namespace Backprop.Cli.Training;

/// <summary>
/// Training progress on stderr: on a terminal a live bar per epoch (batches, loss, running accuracy, samples/s,
/// time left), redrawn at most ten times a second on one line that always fits the terminal's width (read at each
/// draw, so a resized window is followed); otherwise one plain line per epoch.
/// </summary>
public sealed class ProgressReporter(TextWriter error, bool terminal, Func<int>? width = null) : ITrainingProgress
{
    private readonly Stopwatch _epochClock = new();
    private long _lastDraw;
    private long _millisecondsAtStart;
    private int _epoch, _epochs, _batchesPerEpoch, _batchesAtStart, _samplesAtStart;
    private int _drawn; // characters of the bar line on screen now (0: none)

    /// <inheritdoc/>
    public void EpochStarted(int epoch, int epochs, int batchesPerEpoch, int batchesAlreadyDone)
    {
        (_epoch, _epochs, _batchesPerEpoch, _batchesAtStart, _samplesAtStart) = (epoch, epochs, batchesPerEpoch, batchesAlreadyDone, -1);
        _epochClock.Restart();
        _lastDraw = 0;
    }

    /// <inheritdoc/>
    public void BatchFinished(int batchesDone, int samplesDone, double runningLoss, double runningAccuracy)
    {
        if (!terminal) return;
        long now = _epochClock.ElapsedMilliseconds;
        // Rates are measured from the first batch seen here: a resumed epoch's earlier batches took no time in this session.
        if (_samplesAtStart < 0) (_samplesAtStart, _batchesAtStart, _millisecondsAtStart) = (samplesDone, batchesDone, now);
        if (batchesDone < _batchesPerEpoch && now - _lastDraw < 100) return;
        _lastDraw = now;
        double seconds = Math.Max((now - _millisecondsAtStart) / 1000.0, 1e-3);
        double left = seconds / Math.Max(batchesDone - _batchesAtStart, 1) * (_batchesPerEpoch - batchesDone);
        Draw(Bar(Columns(), _epoch, _epochs, batchesDone, _batchesPerEpoch, runningLoss, runningAccuracy, (samplesDone - _samplesAtStart) / seconds, left));
    }

    /// <inheritdoc/>
    public void EpochFinished(EpochMetrics m, double samplesPerSecond)
    {
        Clear();
        // A trainer whose loss records no accuracy (a regression, a language model) has none to show.
        string trainAccuracy = double.IsNaN(m.TrainAccuracy) ? "" : string.Create(CultureInfo.InvariantCulture, $"  train acc {m.TrainAccuracy:0.0000}");
        string testAccuracy = double.IsNaN(m.TestAccuracy) ? "" : string.Create(CultureInfo.InvariantCulture, $"  test acc {m.TestAccuracy:0.0000}");
        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {m.Epoch}/{_epochs}  train loss {m.TrainLoss:0.0000}{trainAccuracy}  test loss {m.TestLoss:0.0000}{testAccuracy}  {samplesPerSecond:0} samples/s  {m.Seconds:0.0}s"));
        error.Flush();
    }

    /// <summary>Clears a half-drawn bar (before an epoch's line or an interruption message).</summary>
    public void Clear()
    {
        if (_drawn == 0) return;
        error.Write("\r" + new string(' ', Math.Min(_drawn, Room())) + "\r");
        error.Flush();
        _drawn = 0;
    }

    /// <summary>
    /// The bar line for a terminal of <paramref name="columns"/> columns: at most <c>columns − 1</c> characters (the
    /// last column stays free, so no terminal wraps the line and leaves its first part behind). The bar shrinks
    /// first, then the least important fields go: time left, samples/s, accuracy, loss. A NaN accuracy (none recorded) is left out.
    /// </summary>
    public static string Bar(int columns, int epoch, int epochs, int batchesDone, int batchesPerEpoch, double loss, double accuracy, double samplesPerSecond, double secondsLeft)
    {
        var inv = CultureInfo.InvariantCulture;
        int room = Math.Max(columns - 1, 1);
        string head = string.Create(inv, $"epoch {epoch}/{epochs}");
        string count = string.Create(inv, $"{batchesDone}/{batchesPerEpoch}");
        string[] fields =
        [
            string.Create(inv, $"loss {loss:0.0000}"),
            .. double.IsNaN(accuracy) ? (string[])[] : [string.Create(inv, $"acc {accuracy:0.0000}")],
            string.Create(inv, $"{samplesPerSecond:0} samples/s"),
            string.Create(inv, $"{secondsLeft:0}s left"),
        ];
        for (int kept = fields.Length; kept >= 0; kept--)
        {
            string tail = kept == 0 ? "" : "  " + string.Join("  ", fields, 0, kept);
            int fixedWidth = head.Length + 1 + 1 + count.Length + tail.Length; // "head " + bar + " count" + tail
            int barWidth = Math.Min(24, room - fixedWidth);
            if (barWidth >= 6 || (kept == 0 && barWidth >= 1))
            {
                int filled = (int)Math.Round(barWidth * (double)batchesDone / Math.Max(1, batchesPerEpoch));
                return $"{head} {new string('█', filled)}{new string('░', barWidth - filled)} {count}{tail}";
            }
        }
        string bare = $"{head} {count}";
        return bare.Length <= room ? bare : bare[..room];
    }

    private int Columns()
    {
        int columns = width?.Invoke() ?? 80;
        return columns > 0 ? columns : 80;
    }

    private int Room() => Math.Max(Columns() - 1, 1);

    private void Draw(string line)
    {
        // Written over the previous line from its start; spaces cover what a longer previous line left, but never
        // past the last free column (a narrowed window must not wrap the padding onto a new line).
        int cover = Math.Min(_drawn, Room());
        error.Write("\r" + line + (line.Length < cover ? new string(' ', cover - line.Length) : ""));
        error.Flush();
        _drawn = Math.Max(line.Length, cover);
    }
}
