using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// GELU, exact (x·Φ(x), with erf) or with PyTorch's tanh approximation; the local gradient is computed from the saved
/// input in one fused pass. Both run as vectorised kernels split over cores (the float path is hot in a GPT's MLP).
/// </summary>
internal sealed class GeluOp : Node
{
    private Tensor? _x;
    private GeluApproximation _approximation;
    public override string Name => "gelu";

    /// <summary>Exact (erf) or tanh (read by the ONNX exporter).</summary>
    internal GeluApproximation Approximation => _approximation;

    public static Tensor Apply(Tensor x, GeluApproximation approximation)
    {
        var y = approximation switch
        {
            GeluApproximation.None => Elementwise.Unary("gelu", x, new GeluFunction()),
            GeluApproximation.Tanh => Elementwise.Unary("gelu", x, new GeluTanhFunction()),
            _ => throw new ArgumentOutOfRangeException(nameof(approximation), $"gelu: unknown approximation {approximation} (expected None or Tanh)"),
        };
        return Autograd.ShouldRecord(x) ? Record(y, new GeluOp { _x = x, _approximation = approximation }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = _approximation == GeluApproximation.Tanh
        ? Elementwise.Gradient(g, Saved(_x), new GeluTanhFunction())
        : Elementwise.Gradient(g, Saved(_x), new GeluFunction());

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    // Exact: Φ(x) + x·φ(x). Tanh form: ½(1 + tanh u) + ½x(1 − tanh²u)·u′ with u = √(2/π)(x + 0.044715x³).
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        var x = Input(0);
        if (_approximation == GeluApproximation.Tanh)
        {
            const double c = 0.7978845608028654, k = 0.044715; // √(2/π)
            var t = ((x + x * x * x * k) * c).Tanh();
            var slope = (t + 1.0) * 0.5 + x * (1.0 - t * t) * ((x * x * (3 * k) + 1.0) * (0.5 * c));
            dx[0] = g * slope;
        }
        else
            dx[0] = g * ExactSlope(x);
    }

    /// <summary>
    /// The exact GELU's slope Φ(x) + x·φ(x) with recorded operators, so it is differentiable again (also used by the
    /// fused linear_gelu's recorded backward).
    /// </summary>
    internal static Tensor ExactSlope(Tensor x)
    {
        const double invSqrt2 = 0.7071067811865476, invSqrt2Pi = 0.3989422804014327;
        var cdf = ((x * invSqrt2).Erf() + 1.0) * 0.5;
        var pdf = (x * x * -0.5).Exp() * invSqrt2Pi;
        return cdf + x * pdf;
    }

    protected override void ReleaseSaved() => _x = null;
}
