using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>x limited to [min, max]; the gradient passes where min ≤ x ≤ max (bounds included, as PyTorch).</summary>
internal sealed class ClampOp : Node
{
    private Tensor? _x;
    private double _min, _max;
    public override string Name => "clamp";

    /// <summary>The bounds (read by the ONNX exporter).</summary>
    internal double Min => _min;

    internal double Max => _max;

    public static Tensor Apply(Tensor x, double min, double max)
    {
        // A NaN bound has no meaning (PyTorch returns the input but passes no gradient): refused, not guessed.
        if (double.IsNaN(min) || double.IsNaN(max)) throw new ArgumentException($"clamp: the bounds must be numbers, got min {min} and max {max}");
        if (min > max) throw new ArgumentException($"clamp: min {min} is greater than max {max}");
        var y = Elementwise.WithScalar("clamp", Elementwise.WithScalar("clamp", x, min, new MaxFunction()), max, new MinFunction());
        return Autograd.ShouldRecord(x) ? Record(y, new ClampOp { _x = x, _min = min, _max = max }, x) : y;
    }

    // The fused gradient selects rather than multiplies: outside the bounds it is 0 even when g is infinite (as PyTorch).
    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Elementwise.Gradient(g, Saved(_x), new ClampGradient(_min, _max));

    // A piecewise-constant local derivative: the gradient is g times constant slopes (zero second derivative).
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => LocallyLinearBackward(g, dx);

    protected override void ReleaseSaved() => _x = null;
}
