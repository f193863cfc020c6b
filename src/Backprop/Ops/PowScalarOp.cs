using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>xˢ for a constant exponent s; local gradient s·xˢ⁻¹, from the saved input.</summary>
internal sealed class PowScalarOp : Node
{
    private Tensor? _x;
    private double _s;
    public override string Name => "pow";

    /// <summary>The constant exponent (read by the ONNX exporter).</summary>
    internal double Exponent => _s;

    public static Tensor Apply(Tensor x, double s)
    {
        var y = Elementwise.WithScalar("pow", x, s, new PowFunction());
        return Autograd.ShouldRecord(x) ? Record(y, new PowScalarOp { _x = x, _s = s }, x) : y;
    }

    // x⁰ is constant: its gradient is 0 everywhere, also at x = 0 where s·xˢ⁻¹ would be 0·∞ (as PyTorch).
    internal override void Backward(Tensor g, Span<Tensor?> dx) =>
        dx[0] = _s == 0 ? Tensor.ZerosLike(Saved(_x)) : g * (Saved(_x).Pow(_s - 1) * _s);

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) =>
        dx[0] = _s == 0 ? Tensor.ZerosLike(Input(0)) : g * (Input(0).Pow(_s - 1) * _s);

    protected override void ReleaseSaved() => _x = null;
}
