namespace Backprop.Training;

/// <summary>
/// Receives the progress of a <see cref="Trainer{TBatch}"/> run as it happens (for a progress bar or a log). Called on the
/// training thread; keep the calls cheap — <see cref="BatchFinished"/> runs after every batch.
/// </summary>
public interface ITrainingProgress
{
    /// <summary>An epoch starts (1-based). <paramref name="batchesAlreadyDone"/> is non-zero when a resumed run continues inside it.</summary>
    void EpochStarted(int epoch, int epochs, int batchesPerEpoch, int batchesAlreadyDone);

    /// <summary>A training batch finished; the loss and accuracy are the epoch's running means so far.</summary>
    void BatchFinished(int batchesDone, int samplesDone, double runningLoss, double runningAccuracy);

    /// <summary>An epoch finished and was evaluated; <paramref name="samplesPerSecond"/> counts training samples over training time only.</summary>
    void EpochFinished(EpochMetrics metrics, double samplesPerSecond);
}
