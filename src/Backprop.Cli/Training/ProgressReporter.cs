using System.Diagnostics;
using System.Globalization;
using Backprop.Training;

namespace Backprop.Cli.Training;

/// <summary>
/// Training progress on stderr: on a terminal a live bar per epoch (batches, loss, running accuracy, samples/s,
/// time left), redrawn at most ten times a second; otherwise one plain line per epoch.
/// </summary>
public sealed class ProgressReporter(TextWriter error, bool terminal) : ITrainingProgress
{
    private readonly Stopwatch _epochClock = new();
    private long _lastDraw;
    private long _millisecondsAtStart;
    private int _epoch, _epochs, _batchesPerEpoch, _batchesAtStart, _samplesAtStart;

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
        const int width = 24;
        int filled = (int)Math.Round(width * (double)batchesDone / Math.Max(1, _batchesPerEpoch));
        string bar = new string('█', filled) + new string('░', width - filled);
        error.Write(string.Create(CultureInfo.InvariantCulture,
            $"\repoch {_epoch}/{_epochs} {bar} {batchesDone}/{_batchesPerEpoch}  loss {runningLoss:0.0000}  acc {runningAccuracy:0.0000}  {(samplesDone - _samplesAtStart) / seconds:0} samples/s  {left:0}s left  "));
        error.Flush();
    }

    /// <inheritdoc/>
    public void EpochFinished(EpochMetrics m, double samplesPerSecond)
    {
        if (terminal) error.Write("\r" + new string(' ', 110) + "\r");
        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {m.Epoch}/{_epochs}  train loss {m.TrainLoss:0.0000}  train acc {m.TrainAccuracy:0.0000}  test loss {m.TestLoss:0.0000}  test acc {m.TestAccuracy:0.0000}  {samplesPerSecond:0} samples/s  {m.Seconds:0.0}s"));
        error.Flush();
    }

    /// <summary>Clears a half-drawn bar (before an interruption message).</summary>
    public void Clear()
    {
        if (terminal) error.Write("\r" + new string(' ', 110) + "\r");
    }
}
