namespace Backprop.Training;

/// <summary>What a <see cref="Trainer{TBatch}.Run"/> call achieved.</summary>
public sealed record TrainingResult
{
    /// <summary>Every finished epoch, including those of earlier sessions when the run was resumed.</summary>
    public required IReadOnlyList<EpochMetrics> History { get; init; }

    /// <summary>True when cancellation stopped the run before its last epoch finished.</summary>
    public required bool Interrupted { get; init; }

    /// <summary>Finished epochs (all sessions).</summary>
    public required int CompletedEpochs { get; init; }

    /// <summary>Batches trained in the unfinished epoch when the run was interrupted (0 otherwise).</summary>
    public required int BatchesIntoEpoch { get; init; }

    /// <summary>Wall-clock seconds of this session's loop (training and evaluation).</summary>
    public required double Seconds { get; init; }

    /// <summary>Training samples per second of this session, over training time only (NaN when nothing was trained).</summary>
    public required double SamplesPerSecond { get; init; }

    /// <summary>The checkpoint written last, or null when the trainer has no output directory.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>
    /// Managed bytes allocated on the training thread by one steady-state step (forward, backward and optimizer
    /// step), the median over this session's steps after the first epoch's; −1 when too few steps ran.
    /// </summary>
    public long AllocatedBytesPerStep { get; init; } = -1;

    /// <summary>The last finished epoch's figures, or null when none finished.</summary>
    public EpochMetrics? Final => History.Count > 0 ? History[^1] : null;
}
