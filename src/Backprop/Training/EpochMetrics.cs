namespace Backprop.Training;

/// <summary>
/// The figures of one finished epoch: the mean loss and the accuracy over its training batches (measured as the
/// batches were trained, in training mode), the loss and accuracy on the validation set (evaluation mode; NaN without
/// one), and the wall-clock seconds the epoch took, training and evaluation together. Every metric the loss function
/// recorded (<see cref="MetricLog"/>), accuracy included, is in <see cref="TrainMetrics"/> and <see cref="TestMetrics"/>.
/// </summary>
/// <param name="Epoch">The epoch number, 1-based.</param>
/// <param name="TrainLoss">Mean loss over the epoch's training samples.</param>
/// <param name="TrainAccuracy">The <c>accuracy</c> metric over the training samples while training; NaN when none was recorded.</param>
/// <param name="TestLoss">Mean loss over the validation set after the epoch.</param>
/// <param name="TestAccuracy">The <c>accuracy</c> metric over the validation set after the epoch; NaN when none was recorded.</param>
/// <param name="Seconds">Wall-clock seconds of the epoch (summed over sessions when it was interrupted and resumed).</param>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy, double Seconds)
{
    /// <summary>Every metric recorded while training, by name (the epoch's Σ sum / Σ count of each).</summary>
    public IReadOnlyDictionary<string, double> TrainMetrics { get; init; } = new Dictionary<string, double>();

    /// <summary>Every metric recorded on the validation set, by name; empty without one.</summary>
    public IReadOnlyDictionary<string, double> TestMetrics { get; init; } = new Dictionary<string, double>();
}
