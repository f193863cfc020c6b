namespace Backprop.Ops;

/// <summary>
/// A value whose first-order gradient path is known to vanish, such as the mean inside a variance (Σ(x − mean) = 0):
/// the ordinary backward sends it nothing, exactly (so a non-finite element cannot spread NaN to the others through
/// it), but a backward that creates the graph passes the gradient through, because the second derivative along that
/// path is not zero (the variance's Hessian is 2/(N − c)·(I − 11ᵀ/N), not 2/(N − c)·I). A detached value would make
/// every second derivative through it silently wrong.
/// </summary>
internal sealed class FirstOrderConstantOp : Node
{
    public override string Name => "first_order_constant";

    public static Tensor Apply(Tensor x)
    {
        if (x.Batched is not null) return BatchingRules.FirstOrderConstant(x);
        var y = x.View(x.Offset, x.ShapeArray, x.StridesArray);
        return Autograd.ShouldRecord(x) ? Record(y, new FirstOrderConstantOp(), x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = null;

    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => dx[0] = g;
}
