namespace Backprop.Data;

/// <summary>
/// A data set with random access: <see cref="Count"/> samples, sample i read with the indexer. A sample is whatever
/// one training example is — a <see cref="Tensor"/>, or a tuple such as <c>(Tensor Features, Tensor Label)</c> — and
/// a <see cref="DataLoader{TBatch}"/> stacks samples into batches of the same form.
/// </summary>
/// <typeparam name="TSample">One sample, e.g. <c>(Tensor, Tensor)</c>: float features and an Int32 class label.</typeparam>
public interface IDataset<out TSample>
{
    /// <summary>The number of samples.</summary>
    int Count { get; }

    /// <summary>Sample <paramref name="index"/>, in [0, <see cref="Count"/>).</summary>
    TSample this[int index] { get; }
}
