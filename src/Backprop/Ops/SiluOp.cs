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

    protected override void ReleaseSaved() => _x = null;
}
