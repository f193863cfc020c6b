namespace Backprop.Ops;

/// <summary>
/// Broadcasts size-1 axes (and new leading axes) to a larger shape as a view with stride 0. Its backward hands the
/// gradient back unchanged: the engine's reduction over broadcast axes does the summing.
/// </summary>
internal sealed class ExpandOp : Node
{
    public override string Name => "expand";

    public static Tensor Apply(Tensor x, int[] shape)
    {
        var target = (int[])shape.Clone();
        int lead = target.Length - x.Rank;
        if (lead < 0)
            throw new ArgumentException($"expand: cannot expand shape {Shapes.Format(x.ShapeArray)} to fewer axes {Shapes.Format(shape)}");
        for (int i = 0; i < target.Length; i++)
        {
            int own = i < lead ? 1 : x.ShapeArray[i - lead];
            if (target[i] == -1 && i >= lead) target[i] = own;
            // Without this a −1 for a new leading axis (or any negative size) would make a tensor of negative size.
            if (target[i] < 0)
                throw new ArgumentException(
                    $"expand: size {target[i]} for axis {i} of {Shapes.Format(shape)} is not allowed (-1 keeps the size of an existing axis; new leading axes need an explicit size)");
            if (own != target[i] && own != 1)
                throw new ArgumentException($"expand: axis {i - lead} of size {own} cannot be expanded to {target[i]} (shape {Shapes.Format(x.ShapeArray)} to {Shapes.Format(shape)}); only size-1 axes expand");
        }
        // To its own shape the expand is the tensor itself: recording a node on it would replace the tensor's own
        // node with one whose input is the tensor (a cycle that cut the graph, as in the recorded gradient of a sum
        // over a size-1 axis).
        if (Shapes.Equal(target, x.ShapeArray)) return x;
        if (x.Batched is not null) return BatchingRules.Expand(x, target);
        var y = x.ExpandData(target);
        return Autograd.ShouldRecord(x) ? Record(y, new ExpandOp(), x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = g;

    // The rule above is already written with recorded operators (on the gradient and constants only).
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => Backward(g, dx);
}
