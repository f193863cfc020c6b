using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>SiLU x·σ(x) = x/(1 + e⁻ˣ); local gradient σ(x)(1 + x(1 − σ(x))), from the saved input.</summary>
internal sealed class SiluOp : Node
{
    private Tensor? _x;
    public override string Name => "silu";

    public static Tensor Apply(Tensor x)
    {
        var y = Elementwise.Unary("silu", x, new SiluFunction());
        return Autograd.ShouldRecord(x) ? Record(y, new SiluOp { _x = x }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Elementwise.Gradient(g, Saved(_x), new SiluFunction());

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        var x = Input(0);
        var s = x.Sigmoid();
        dx[0] = g * (s * (1.0 + x * (1.0 - s)));
    }

    protected override void ReleaseSaved() => _x = null;
}
