namespace Backprop.Training;

/// <summary>
/// The training loss became NaN or infinite: the run cannot continue. Usually the learning rate or the data, not a
/// bug; anomaly mode (<see cref="TrainerOptions.DetectAnomaly"/>) names the operator that produced the first
/// non-finite value.
/// </summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
