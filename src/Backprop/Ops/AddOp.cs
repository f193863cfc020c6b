using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>a + b with broadcasting; the add gate hands the upstream gradient unchanged to both inputs.</summary>
internal sealed class AddOp : Node
{
    public override string Name => "add";

    public static Tensor Apply(Tensor a, Tensor b)
    {
        var y = Elementwise.Binary("add", a, b, new AddFunction());
        return Autograd.ShouldRecord(a, b) ? Record(y, new AddOp(), a, b) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        dx[0] = g;
        dx[1] = g;
    }

    // The rule above is already written with recorded operators (on the gradient and constants only).
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => Backward(g, dx);
}
