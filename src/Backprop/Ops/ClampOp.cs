using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>x limited to [min, max]; the gradient passes where min ≤ x ≤ max (bounds included, as PyTorch).</summary>
internal sealed class ClampOp : Node
{
    private Tensor? _x;
    private double _min, _max;
    public override string Name => "clamp";

    public static Tensor Apply(Tensor x, double min, double max)
    {
        if (min > max) throw new ArgumentException($"clamp: min {min} is greater than max {max}");
        var y = Elementwise.WithScalar("clamp", Elementwise.WithScalar("clamp", x, min, new MaxFunction()), max, new MinFunction());
        return Autograd.ShouldRecord(x) ? Record(y, new ClampOp { _x = x, _min = min, _max = max }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Elementwise.Gradient(g, Saved(_x), new ClampGradient(_min, _max));

    protected override void ReleaseSaved() => _x = null;
}
