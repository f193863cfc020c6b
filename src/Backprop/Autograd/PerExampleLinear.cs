namespace Backprop;

/// <summary>
/// Linear under Vmap with weights shared by the examples but differentiated per example (Vmap(Grad(loss)) in the
/// weights): the physical weight is [B, out, in] with stride 0 along the batch, every example seeing the same matrix.
/// The forward is then one product of all the examples' rows with that matrix — not B products with B copies of it —
/// and the backward gives each example its own weight gradient, Gᵦᵀ·Xᵦ, as one batched product.
/// </summary>
/// <remarks>
/// Inputs: X [B, ..., in], W [B, out, in] (stride 0 along B) and optionally b [B, out] (stride 0 along B). The backward
/// is written with tensor operators on the saved inputs, so it is recorded — and differentiable again — in a pass that
/// creates the graph; there the input gradient is taken as G·Wᵦ per example, so that its derivative in the weights
/// stays each example's own.
/// </remarks>
internal sealed class PerExampleLinear : Function
{
    public static readonly PerExampleLinear Instance = new();

    public override string Name => "linear";

    /// <summary>Whether the fast path applies: plain physical tensors, and the weight (and bias) one matrix seen by every example.</summary>
    public static bool Applies(Tensor x, Tensor w, Tensor? b) =>
        x.Batched is null && w.Batched is null && b?.Batched is null && x.Rank >= 2 && w.Rank == 3 && w.StridesArray[0] == 0
        && (b is null || (b.Rank == 2 && b.StridesArray[0] == 0));

    protected internal override Tensor Forward(FunctionContext ctx, ReadOnlySpan<Tensor> inputs)
    {
        var (x, w) = (inputs[0], inputs[1]);
        ctx.SaveForBackward(x, w);
        int features = w.ShapeArray[2];
        int[] shape = [.. x.ShapeArray[..^1], w.ShapeArray[1]];
        var bias = inputs.Length > 2 ? inputs[2].Narrow(0, 0, 1).Squeeze(0) : null;
        return Tensor.Linear(x.Reshape(-1, features), w.Narrow(0, 0, 1).Squeeze(0), bias).Reshape(shape);
    }

    protected internal override Tensor?[] Backward(FunctionContext ctx, Tensor g)
    {
        var (x, w) = (ctx.SavedTensors[0], ctx.SavedTensors[1]);
        int batch = x.ShapeArray[0], outFeatures = w.ShapeArray[1], inFeatures = w.ShapeArray[2];
        var g3 = g.Reshape(batch, -1, outFeatures);
        var result = new Tensor?[ctx.InputCount];
        if (ctx.NeedsInputGradient(0))
        {
            result[0] = Autograd.IsGradEnabled
                ? Tensor.MatMul(g3, w).Reshape(x.ShapeArray)
                : Tensor.MatMul(g.Reshape(-1, outFeatures), w.Narrow(0, 0, 1).Squeeze(0)).Reshape(x.ShapeArray);
        }
        if (ctx.NeedsInputGradient(1)) result[1] = Tensor.MatMul(g3.Transpose(1, 2), x.Reshape(batch, -1, inFeatures));
        if (ctx.InputCount > 2 && ctx.NeedsInputGradient(2)) result[2] = g3.Sum(1);
        return result;
    }
}
