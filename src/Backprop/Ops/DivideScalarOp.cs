using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>x / s for a constant s; local gradient 1/s.</summary>
internal sealed class DivideScalarOp : Node
{
    private double _s;
    public override string Name => "div";

    /// <summary>The constant s (read by the ONNX exporter).</summary>
    internal double Scalar => _s;

    public static Tensor Apply(Tensor x, double s)
    {
        var y = Elementwise.WithScalar("div", x, s, new DivideFunction());
        return Autograd.ShouldRecord(x) ? Record(y, new DivideScalarOp { _s = s }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = g * (1.0 / _s);

    // The rule above is already written with recorded operators (on the gradient and constants only).
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => Backward(g, dx);
}
