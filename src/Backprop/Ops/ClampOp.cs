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
        // A NaN bound has no meaning (PyTorch returns the input but passes no gradient): refused, not guessed.
        if (double.IsNaN(min) || double.IsNaN(max)) throw new ArgumentException($"clamp: the bounds must be numbers, got min {min} and max {max}");
        if (min > max) throw new ArgumentException($"clamp: min {min} is greater than max {max}");
        var y = Elementwise.WithScalar("clamp", Elementwise.WithScalar("clamp", x, min, BinaryFunction.Max), max, BinaryFunction.Min);
        return Autograd.ShouldRecord(x) ? Record(y, new ClampOp { _x = x, _min = min, _max = max }, x) : y;
    }

    // Selected, not multiplied by the 0/1 mask: outside the bounds the gradient is 0 even when g is infinite (as PyTorch).
    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Tensor.Where(Elementwise.Mask(Saved(_x),
        (x, m) => MaskKernel.InRange(x, (float)_min, (float)_max, m),
        (x, m) => MaskKernel.InRange(x, _min, _max, m)), g, Tensor.Zeros([], g.DType));

    protected override void ReleaseSaved() => _x = null;
}
