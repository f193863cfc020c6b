using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>s / x for a constant s; local gradient −s/x² = −y/x, from the saved input and output.</summary>
internal sealed class ScalarDivideOp : Node
{
    private Tensor? _x, _y;
    private double _s;
    public override string Name => "div";

    /// <summary>The constant s (read by the ONNX exporter).</summary>
    internal double Scalar => _s;

    public static Tensor Apply(Tensor x, double s)
    {
        var y = Elementwise.WithScalar("div", x, s, new DivideFunction(), scalarFirst: true);
        return Autograd.ShouldRecord(x) ? Record(y, new ScalarDivideOp { _x = x, _y = y, _s = s }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = -(g * Saved(_y) / Saved(_x));

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        var x = Input(0);
        dx[0] = g * -_s / (x * x);
    }

    protected override void ReleaseSaved() => _x = _y = null;
}
