namespace Backprop.Data;

/// <summary>
/// Creates data sets over tensors whose first axis is the sample axis (the role of PyTorch's <c>TensorDataset</c>):
/// <c>TensorDataset.Create(x, y)</c> over x [N, 3] and y [N] is N samples (x[i] [3], y[i] 0-d), and a
/// <see cref="DataLoader{TBatch}"/> over it yields (x [B, 3], y [B]) batches gathered straight from the tensors.
/// </summary>
public static class TensorDataset
{
    /// <summary>Samples that are rows of one tensor.</summary>
    public static TensorDataset<Tensor> Create(Tensor samples) =>
        new([samples], columns => columns[0]);

    /// <summary>Pair samples (input, target): row i of each tensor.</summary>
    public static TensorDataset<(Tensor, Tensor)> Create(Tensor inputs, Tensor targets) =>
        new([inputs, targets], columns => (columns[0], columns[1]));

    /// <summary>Triple samples, such as two inputs and a target: row i of each tensor.</summary>
    public static TensorDataset<(Tensor, Tensor, Tensor)> Create(Tensor first, Tensor second, Tensor third) =>
        new([first, second, third], columns => (columns[0], columns[1], columns[2]));
}

/// <summary>
/// Samples that are rows of tensors with a common first axis; see <see cref="TensorDataset"/>. The tensors are held
/// detached (a contiguous copy when they are not contiguous); the indexer returns views of one row.
/// </summary>
/// <typeparam name="TSample">A tensor, or a tuple of tensors (one per column).</typeparam>
public sealed class TensorDataset<TSample> : IDataset<TSample>, ITensorColumns<TSample>
{
    private readonly Tensor[] _columns;
    private readonly Func<Tensor[], TSample> _pack;

    internal TensorDataset(Tensor[] columns, Func<Tensor[], TSample> pack)
    {
        for (int i = 0; i < columns.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(columns[i]);
            if (columns[i].Rank == 0)
                throw new ArgumentException($"TensorDataset: tensor {i} is 0-d; every tensor needs a first axis of samples");
            if (columns[i].ShapeArray[0] != columns[0].ShapeArray[0])
                throw new ArgumentException(
                    $"TensorDataset: tensor {i} {Shapes.Format(columns[i].ShapeArray)} has {columns[i].ShapeArray[0]} samples, but tensor 0 {Shapes.Format(columns[0].ShapeArray)} has {columns[0].ShapeArray[0]}; the first axis is the sample axis");
            columns[i] = columns[i].Detach();
            if (!columns[i].IsContiguous) columns[i] = columns[i].Contiguous();
        }
        (_columns, _pack) = (columns, pack);
    }

    /// <inheritdoc />
    public int Count => _columns[0].ShapeArray[0];

    /// <inheritdoc />
    public TSample this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(index), $"TensorDataset: sample {index} is outside [0, {Count})");
            var rows = new Tensor[_columns.Length];
            for (int i = 0; i < rows.Length; i++) rows[i] = _columns[i].Narrow(0, index, 1).Squeeze(0);
            return _pack(rows);
        }
    }

    /// <summary>The tensors, one per part of a sample, each [Count, ..part shape].</summary>
    public IReadOnlyList<Tensor> Tensors => _columns;

    IReadOnlyList<Tensor> ITensorColumns<TSample>.Columns => _columns;

    TSample ITensorColumns<TSample>.Pack(Tensor[] columns) => _pack(columns);
}
