namespace Backprop.Data;

/// <summary>
/// A data set read as a stream rather than by index: samples drawn one after another, possibly without end (random
/// windows of a text, samples from a simulator). A <see cref="DataLoader{TBatch}"/> over a stream cuts it into batches
/// and ends an epoch after a set number of them.
/// </summary>
/// <remarks>
/// Reproducibility: everything random in the stream must come from the generator passed to <see cref="Samples"/>
/// (the loader's <see cref="DataLoader{TBatch}.Generator"/>), so that a checkpoint, which saves that generator, can
/// replay the stream exactly. A stream must draw from it only as samples are taken.
/// </remarks>
/// <typeparam name="TSample">One sample, e.g. <c>(Tensor Input, Tensor Target)</c> token windows.</typeparam>
public interface IStreamingDataset<out TSample>
{
    /// <summary>
    /// The samples of one epoch, in order, drawing any randomness from <paramref name="generator"/> (null when the
    /// loader has none: a stream that needs one throws <see cref="ArgumentNullException"/>). May be infinite.
    /// </summary>
    IEnumerable<TSample> Samples(Generator? generator);
}
