namespace Backprop.Ops;

/// <summary>Reorders the axes (a view: only strides change); the gradient is permuted back by the inverse order.</summary>
internal sealed class PermuteOp : Node
{
    private int[] _inverse = [];
    public override string Name => "permute";

    /// <summary>The inverse of the applied axis order (read by the ONNX exporter).</summary>
    internal int[] Inverse => _inverse;

    public static Tensor Apply(Tensor x, int[] order)
    {
        if (order.Length != x.Rank)
            throw new ArgumentException($"permute: {order.Length} axes given for a tensor of rank {x.Rank} (shape {Shapes.Format(x.ShapeArray)})");
        var axes = new int[order.Length];
        var seen = new bool[order.Length];
        for (int i = 0; i < order.Length; i++)
        {
            axes[i] = Shapes.NormalizeAxis("permute", order[i], x.Rank);
            if (seen[axes[i]]) throw new ArgumentException($"permute: axis {axes[i]} appears twice in [{string.Join(", ", order)}]");
            seen[axes[i]] = true;
        }
        if (x.Batched is not null) return BatchingRules.Permute(x, axes);
        var y = x.PermuteData(axes);
        if (!Autograd.ShouldRecord(x)) return y;
        var inverse = new int[axes.Length];
        for (int i = 0; i < axes.Length; i++) inverse[axes[i]] = i;
        return Record(y, new PermuteOp { _inverse = inverse }, x);
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = g.PermuteData(_inverse);

    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => dx[0] = g.Permute(_inverse);
}
