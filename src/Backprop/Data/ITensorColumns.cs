namespace Backprop.Data;

/// <summary>
/// A data set stored as tensors whose first axis is the sample axis (its "columns"), so a batch is gathered by copying
/// rows straight into reused buffers rather than by building and stacking one tensor per sample.
/// </summary>
internal interface ITensorColumns<out TSample>
{
    /// <summary>The columns: contiguous, each [Count, ..row shape].</summary>
    IReadOnlyList<Tensor> Columns { get; }

    /// <summary>The sample (or batch) built from one tensor per column, in column order.</summary>
    TSample Pack(Tensor[] columns);
}
