namespace Backprop.Training;

/// <summary>
/// The figures of one finished epoch: the mean loss and the accuracy over its training batches (measured as the
/// batches were trained, in training mode), the loss and accuracy on the test set (evaluation mode; NaN without a
/// test set), and the wall-clock seconds the epoch took, training and evaluation together.
/// </summary>
/// <param name="Epoch">The epoch number, 1-based.</param>
/// <param name="TrainLoss">Mean cross-entropy over the epoch's training samples.</param>
/// <param name="TrainAccuracy">Share of training samples classified right while training.</param>
/// <param name="TestLoss">Mean cross-entropy over the test set after the epoch.</param>
/// <param name="TestAccuracy">Share of test samples classified right after the epoch.</param>
/// <param name="Seconds">Wall-clock seconds of the epoch (summed over sessions when it was interrupted and resumed).</param>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy, double Seconds);
