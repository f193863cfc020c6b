using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// The square root that turns a variance into a standard deviation. Its local gradient is 1/(2·std), except where
/// std = 0 (a constant slice), where PyTorch's std_backward gives 0 rather than 0·∞ = NaN; that is why std is not
/// sqrt(var).
/// </summary>
internal sealed class StdOp : Node
{
    private Tensor? _y;
    public override string Name => "std";

    public static Tensor Apply(Tensor variance)
    {
        if (variance.Batched is not null) return BatchingRules.Map(variance, static p => Apply(p));
        var y = Elementwise.Unary("std", variance, new SqrtFunction());
        return Autograd.ShouldRecord(variance) ? Record(y, new StdOp { _y = y }, variance) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Elementwise.Gradient(g, Saved(_y), new StdGradient());

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        var variance = Input(0);
        Tensor constant;
        using (Autograd.NoGrad()) constant = Saved(_y).Eq(0);
        dx[0] = Tensor.Where(constant, Tensor.Zeros([], g.DType), g / (variance.Sqrt() * 2));
    }

    protected override void ReleaseSaved() => _y = null;
}
