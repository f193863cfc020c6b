namespace Backprop.Ops;

/// <summary>
/// <c>torch.nn.functional.one_hot</c>: int32 class indices of any shape to an int32 tensor [...indices, classes] with a
/// 1 at each index and 0 elsewhere. Integer in, integer out, so the node is recorded inside a trace
/// (<see cref="Tracing"/>) only, for the exporter.
/// </summary>
internal sealed class OneHotOp : Node
{
    private int _classes;
    private bool _inferred;
    public override string Name => "one_hot";

    /// <summary>The number of classes, and whether it was inferred from the indices' values (read by the ONNX exporter).</summary>
    internal int Classes => _classes;

    internal bool Inferred => _inferred;

    public static Tensor Apply(Tensor indices, int numClasses)
    {
        bool inferred = numClasses == -1;
        IndexChecks.RequireInt32("one_hot", indices, "the class indices");
        var idx = indices.ContiguousData().Span<int>();
        if (numClasses == -1)
        {
            if (idx.IsEmpty)
                throw new ArgumentException($"one_hot: cannot infer the number of classes from an empty tensor {Shapes.Format(indices.ShapeArray)}; pass numClasses");
            numClasses = 0;
            foreach (int v in idx) numClasses = Math.Max(numClasses, v + 1);
            // A negative index is reported below against the inferred count.
            numClasses = Math.Max(numClasses, 1);
        }
        else if (numClasses < 0)
            throw new ArgumentOutOfRangeException(nameof(numClasses), $"one_hot: numClasses must be non-negative or -1 (inferred), got {numClasses}");
        IndexChecks.InRange("one_hot", idx, indices.ShapeArray, numClasses, $"{numClasses} classes");
        var shape = new int[indices.Rank + 1];
        indices.ShapeArray.CopyTo(shape, 0);
        shape[^1] = numClasses;
        var y = Storage.Zeros(shape, DType.Int32);
        var values = y.Span<int>();
        for (int i = 0; i < idx.Length; i++) values[i * numClasses + idx[i]] = 1;
        return Tracing.IsOn ? Record(y, new OneHotOp { _classes = numClasses, _inferred = inferred }, indices) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) { }
}
