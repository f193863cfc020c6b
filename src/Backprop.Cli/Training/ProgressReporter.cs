using System.Diagnostics;
using System.Globalization;

namespace Backprop.Cli.Training;

/// <summary>
/// Training progress on stderr: on a terminal a live bar per epoch (batches, loss, running accuracy, samples/s,
/// time left), redrawn at most ten times a second; otherwise one plain line per epoch.
/// </summary>
public sealed class ProgressReporter(TextWriter error, bool terminal, int epochs, int batchesPerEpoch)
{
    private readonly Stopwatch _epochClock = new();
    private long _lastDraw;
    private int _epoch;

    /// <summary>Starts an epoch (1-based).</summary>
    public void BeginEpoch(int epoch)
    {
        _epoch = epoch;
        _epochClock.Restart();
        _lastDraw = 0;
    }

    /// <summary>Reports a finished batch with the running loss and accuracy of the epoch so far.</summary>
    public void Batch(int batchesDone, int samplesDone, double runningLoss, double runningAccuracy)
    {
        if (!terminal) return;
        long now = _epochClock.ElapsedMilliseconds;
        if (batchesDone < batchesPerEpoch && now - _lastDraw < 100) return;
        _lastDraw = now;
        double seconds = Math.Max(_epochClock.Elapsed.TotalSeconds, 1e-9);
        double left = seconds / Math.Max(batchesDone, 1) * (batchesPerEpoch - batchesDone);
        const int width = 24;
        int filled = (int)Math.Round(width * (double)batchesDone / Math.Max(1, batchesPerEpoch));
        string bar = new string('█', filled) + new string('░', width - filled);
        error.Write(string.Create(CultureInfo.InvariantCulture,
            $"\repoch {_epoch}/{epochs} {bar} {batchesDone}/{batchesPerEpoch}  loss {runningLoss:0.0000}  acc {runningAccuracy:0.0000}  {samplesDone / seconds:0} samples/s  {left:0}s left  "));
        error.Flush();
    }

    /// <summary>Reports the epoch's totals and the evaluation on the test set.</summary>
    public void EndEpoch(double trainLoss, double trainAccuracy, double testLoss, double testAccuracy, double samplesPerSecond)
    {
        if (terminal) error.Write("\r" + new string(' ', 110) + "\r");
        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {_epoch}/{epochs}  train loss {trainLoss:0.0000}  train acc {trainAccuracy:0.0000}  test loss {testLoss:0.0000}  test acc {testAccuracy:0.0000}  {samplesPerSecond:0} samples/s  {_epochClock.Elapsed.TotalSeconds:0.0}s"));
        error.Flush();
    }
}
