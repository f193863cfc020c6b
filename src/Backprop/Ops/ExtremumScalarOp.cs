using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// max(x, s) (or min) for a constant s: x receives the gradient where it is the extreme, none where s is, and half
/// on a tie, as the max gate between two tensors does.
/// </summary>
internal sealed class ExtremumScalarOp : Node
{
    private Tensor? _x;
    private double _s;
    private bool _max;
    public override string Name => _max ? "max" : "min";

    /// <summary>The constant and max or min (read by the ONNX exporter).</summary>
    internal double Scalar => _s;

    internal bool IsMax => _max;

    public static Tensor Apply(Tensor x, double s, bool max)
    {
        var y = max ? Elementwise.WithScalar("maximum", x, s, new MaxFunction()) : Elementwise.WithScalar("minimum", x, s, new MinFunction());
        return Autograd.ShouldRecord(x) ? Record(y, new ExtremumScalarOp { _x = x, _s = s, _max = max }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Elementwise.Gradient(g, Saved(_x), new ConstantExtremumGradient(_s, _max));

    // A piecewise-constant local derivative: the gradient is g times constant slopes (zero second derivative).
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => LocallyLinearBackward(g, dx);

    protected override void ReleaseSaved() => _x = null;
}
