using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>max(x, 0); local gradient 1 where the output is positive, else 0 (0 at x = 0, as PyTorch).</summary>
internal sealed class ReluOp : Node
{
    private Tensor? _y;
    public override string Name => "relu";

    public static Tensor Apply(Tensor x)
    {
        // Same as Elementwise.Unary/Gradient, but spread over cores: on a CNN's large activations ReLU is a
        // memory-bound pass that one core cannot saturate.
        Elementwise.RequireFloat("relu", x);
        var c = x.ContiguousData();
        var y = new Tensor(Storage.Uninitialized(x.DType, x.Numel), x.ShapeArray, x.DType);
        if (x.DType == DType.Float32) GradientKernel.ReluParallel(c.Span<float>(), y.Span<float>());
        else GradientKernel.ReluParallel(c.Span<double>(), y.Span<double>());
        return Autograd.ShouldRecord(x) ? Record(y, new ReluOp { _y = y }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var saved = Saved(_y);
        var gc = g.CastData(saved.DType).ContiguousData();
        var s = saved.ContiguousData();
        if (!Shapes.Equal(gc.ShapeArray, s.ShapeArray)) throw new InvalidOperationException("internal: gradient shape differs from the saved value's");
        var d = new Tensor(Storage.Uninitialized(saved.DType, saved.Numel), saved.ShapeArray, saved.DType);
        if (saved.DType == DType.Float32) GradientKernel.ApplyParallel(GradientFunction.Relu, gc.Span<float>(), s.Span<float>(), d.Span<float>());
        else GradientKernel.ApplyParallel(GradientFunction.Relu, gc.Span<double>(), s.Span<double>(), d.Span<double>());
        dx[0] = d;
    }

    protected override void ReleaseSaved() => _y = null;
}
