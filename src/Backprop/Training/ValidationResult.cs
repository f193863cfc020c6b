namespace Backprop.Training;

/// <summary>What <see cref="Trainer{TBatch}.Evaluate"/> measured: the mean loss and metrics over a loader's samples.</summary>
/// <param name="Loss">The mean loss per sample (each batch's loss weighted by its sample count); NaN for no samples.</param>
/// <param name="Metrics">Each metric the loss function recorded, as Σ sum / Σ count.</param>
/// <param name="Samples">The samples evaluated.</param>
public sealed record ValidationResult(double Loss, IReadOnlyDictionary<string, double> Metrics, long Samples);
