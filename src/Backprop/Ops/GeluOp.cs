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

    protected override void ReleaseSaved() => _x = null;
}
