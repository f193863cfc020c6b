using System.Numerics;
using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// The max gate max(a, b) (or min) element-wise with broadcasting: the gradient goes to the larger (smaller) input
/// and none to the other; on a tie each receives half, as PyTorch's maximum and minimum do. Where one side is NaN
/// (so the output is NaN) neither side loses, so both receive the gradient, as in PyTorch.
/// </summary>
internal sealed class ExtremumOp : Node
{
    private Tensor? _a, _b;
    private bool _max;
    public override string Name => _max ? "max" : "min";

    /// <summary>Max or min (read by the ONNX exporter).</summary>
    internal bool IsMax => _max;

    public static Tensor Apply(Tensor a, Tensor b, bool max)
    {
        var y = max ? Elementwise.Binary("maximum", a, b, new MaxFunction()) : Elementwise.Binary("minimum", a, b, new MinFunction());
        return Autograd.ShouldRecord(a, b) ? Record(y, new ExtremumOp { _a = a, _b = b, _max = max }, a, b) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var a = Saved(_a);
        var b = Saved(_b);
        if (InputArray[0].RequiresGrad) dx[0] = GradientOf(g, a, b, _max);
        if (InputArray[1].RequiresGrad) dx[1] = GradientOf(g, b, a, _max);
    }

    // A piecewise-constant local derivative: the gradient is g times constant slopes (zero second derivative).
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => LocallyLinearBackward(g, dx);

    /// <summary>
    /// The gradient of max(self, other) (or min) for <paramref name="self"/>, in the broadcast shape: g where self
    /// wins, g/2 on a tie, 0 where it loses — selected, not multiplied, so a loser gets 0 even from an infinite g.
    /// </summary>
    internal static Tensor GradientOf(Tensor g, Tensor self, Tensor other, bool max)
    {
        var dtype = DTypeInfo.Promote(self.DType, other.DType);
        var shape = Shapes.Broadcast(max ? "max" : "min", self.ShapeArray, other.ShapeArray);
        var s = self.CastData(dtype).ExpandData(shape).ContiguousData();
        var o = other.CastData(dtype).ExpandData(shape).ContiguousData();
        var gc = g.CastData(dtype).ExpandData(shape).ContiguousData();
        var share = new ShareAction { G = gc, Self = s, Other = o, D = Storage.Empty(shape, dtype), Max = max };
        DTypeDispatch.Run(dtype, ref share);
        return share.D;
    }

    // PyTorch's rule: where(self == other, g/2, g), then 0 where self loses (a NaN on either side never loses).
    private static void Share<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> self, ReadOnlySpan<T> other, Span<T> d, bool max)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T half = T.One / (T.One + T.One);
        for (int i = 0; i < d.Length; i++)
        {
            bool loses = max ? self[i] < other[i] : self[i] > other[i];
            d[i] = loses ? T.Zero : self[i] == other[i] ? g[i] * half : g[i];
        }
    }

    protected override void ReleaseSaved() => _a = _b = null;

    private struct ShareAction : IDTypeAction
    {
        public Tensor G, Self, Other, D;
        public bool Max;
        public readonly void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            Share(G.Span<T>(), Self.Span<T>(), Other.Span<T>(), D.Span<T>(), Max);
    }
}
