using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// The max gate max(a, b) (or min) element-wise with broadcasting: the gradient goes to the larger (smaller) input
/// and none to the other; on a tie each receives half, as PyTorch's maximum and minimum do.
/// </summary>
internal sealed class ExtremumOp : Node
{
    private Tensor? _a, _b;
    private bool _max;
    public override string Name => _max ? "max" : "min";

    public static Tensor Apply(Tensor a, Tensor b, bool max)
    {
        var y = max ? Elementwise.Binary("maximum", a, b, new MaxFunction()) : Elementwise.Binary("minimum", a, b, new MinFunction());
        return Autograd.ShouldRecord(a, b) ? Record(y, new ExtremumOp { _a = a, _b = b, _max = max }, a, b) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var a = Saved(_a);
        var b = Saved(_b);
        var dtype = DTypeInfo.Promote(a.DType, b.DType);
        var shape = Shapes.Broadcast(Name, a.ShapeArray, b.ShapeArray);
        var ae = a.CastData(dtype).ExpandData(shape).ContiguousData();
        var be = b.CastData(dtype).ExpandData(shape).ContiguousData();
        var share = new ShareAction { A = ae, B = be, Share = Storage.Empty(shape, dtype), Max = _max };
        DTypeDispatch.Run(dtype, ref share);
        dx[0] = g * share.Share;
        dx[1] = g * (1.0 - share.Share);
    }

    protected override void ReleaseSaved() => _a = _b = null;

    private struct ShareAction : IDTypeAction
    {
        public Tensor A, B, Share;
        public bool Max;
        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
            MaskKernel.FirstWins(A.Span<T>(), B.Span<T>(), Share.Span<T>(), Max);
    }
}
