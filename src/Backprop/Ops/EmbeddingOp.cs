using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// Rows of a table [rows, width] picked by an int32 index tensor of any shape; the result is [...indices, width].
/// The backward adds each output row's gradient into the table row it came from (<see cref="EmbeddingKernel.IndexAdd"/>),
/// so a token used twice gets both gradients, summed in token order.
/// </summary>
internal sealed class EmbeddingOp : Node
{
    private Tensor? _indices;
    private Tensor? _indexSource;
    public override string Name => "embedding";

    /// <summary>
    /// The indices as passed (not an input of the node: they have no gradient); the ONNX exporter follows them back to
    /// the graph input they came from.
    /// </summary>
    internal Tensor? IndexSource => _indexSource;

    public static Tensor Apply(Tensor indices, Tensor weight)
    {
        IndexChecks.RequireInt32("embedding", indices, "the indices");
        Elementwise.RequireFloat("embedding", weight);
        if (weight.Rank != 2)
            throw new ArgumentException($"embedding: the weight must be a table [rows, width], got {Shapes.Format(weight.ShapeArray)}");
        int rows = weight.ShapeArray[0], width = weight.ShapeArray[1];
        var idx = indices.ContiguousData();
        IndexChecks.InRange("embedding", idx.Span<int>(), indices.ShapeArray, rows, $"a table of {rows} rows (weight {Shapes.Format(weight.ShapeArray)})");
        var shape = new int[indices.Rank + 1];
        indices.ShapeArray.CopyTo(shape, 0);
        shape[^1] = width;
        var gather = new GatherAction { Table = weight.ContiguousData(), Indices = idx, Output = Storage.Empty(shape, weight.DType), Width = width };
        DTypeDispatch.Run(weight.DType, ref gather);
        var y = gather.Output;
        if (!Autograd.ShouldRecord(weight)) return y;
        // The indices are saved as given, so an in-place change to them before backward is caught by the version check.
        return Record(y, new EmbeddingOp { _indices = idx, _indexSource = indices }, weight);
    }

    internal override void Backward(Tensor gradOutput, Span<Tensor?> dx)
    {
        var idx = Saved(_indices);
        var weight = InputArray[0];
        var add = new IndexAddAction
        {
            GradOutput = gradOutput.CastData(weight.DType).ContiguousData(), Indices = idx,
            GradTable = Storage.Zeros(weight.ShapeArray, weight.DType), Width = weight.ShapeArray[1],
        };
        DTypeDispatch.Run(weight.DType, ref add);
        dx[0] = add.GradTable;
    }

    // The index-add as a recorded indexed add (each element of an output row to its place in the table row it came
    // from), whose own gradient is this lookup again.
    internal override void RecordedBackward(Tensor gradOutput, Span<Tensor?> dx)
    {
        var idx = Saved(_indices).Span<int>();
        var weight = InputArray[0];
        int width = weight.ShapeArray[1];
        var to = new int[idx.Length * width];
        for (int i = 0; i < idx.Length; i++)
            for (int c = 0; c < width; c++) to[i * width + c] = idx[i] * width + c;
        var g = gradOutput.DType == weight.DType ? gradOutput : gradOutput.To(weight.DType);
        dx[0] = IndexedAddOp.Apply(g, null, to, weight.ShapeArray, "embedding_backward", Name);
    }

    protected override void ReleaseSaved() => _indices = _indexSource = null;

    private struct GatherAction : IDTypeAction
    {
        public Tensor Table, Indices, Output;
        public int Width;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
            EmbeddingKernel.Gather<T>(Table.Span<T>(), Indices.Span<int>(), Output.Span<T>(), Width);
    }

    private struct IndexAddAction : IDTypeAction
    {
        public Tensor GradOutput, Indices, GradTable;
        public int Width;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
            EmbeddingKernel.IndexAdd<T>(GradOutput.Span<T>(), Indices.Span<int>(), GradTable.Span<T>(), Width);
    }
}
