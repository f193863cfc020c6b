using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>x + s (and s + x) for a constant s; the gradient passes unchanged.</summary>
internal sealed class AddScalarOp : Node
{
    private double _s;
    public override string Name => "add";

    /// <summary>The constant s (read by the ONNX exporter).</summary>
    internal double Scalar => _s;

    public static Tensor Apply(Tensor x, double s)
    {
        var y = Elementwise.WithScalar("add", x, s, new AddFunction());
        return Autograd.ShouldRecord(x) ? Record(y, new AddScalarOp { _s = s }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = g;

    // The rule above is already written with recorded operators (on the gradient and constants only).
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => Backward(g, dx);
}
