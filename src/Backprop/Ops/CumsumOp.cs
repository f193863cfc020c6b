using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>Cumulative sum along one axis; its gradient is the reversed cumulative sum of the upstream gradient.</summary>
internal sealed class CumsumOp : Node
{
    private int _axis;
    public override string Name => "cumsum";

    /// <summary>The scanned axis (read by the ONNX exporter).</summary>
    internal int Axis => _axis;

    public static Tensor Apply(Tensor x, int axis)
    {
        Elementwise.RequireFloat("cumsum", x);
        int a = Shapes.NormalizeAxis("cumsum", axis, x.Rank);
        var y = Scan(x, a, reverse: false);
        return Autograd.ShouldRecord(x) ? Record(y, new CumsumOp { _axis = a }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Scan(g, _axis, reverse: true);

    // The reversed scan as an operator of its own, whose gradient is this cumulative sum again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => dx[0] = CumsumBackwardOp.Apply(g, _axis);

    /// <summary>The cumulative sum of <paramref name="x"/> along <paramref name="axis"/>, from the end when <paramref name="reverse"/>.</summary>
    internal static Tensor Scan(Tensor x, int axis, bool reverse)
    {
        var (outer, length, inner) = x.Rank == 0 ? (1, 1, 1) : SumOp.Split(x.ShapeArray, axis);
        var action = new ScanAction { X = x.ContiguousData(), Y = Storage.Empty(x.ShapeArray, x.DType), Outer = outer, Length = length, Inner = inner, Reverse = reverse };
        DTypeDispatch.Run(x.DType, ref action);
        return action.Y;
    }

    private struct ScanAction : IDTypeAction
    {
        public Tensor X, Y;
        public int Outer, Length, Inner;
        public bool Reverse;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
            CumsumKernel.Run(X.Span<T>(), Y.Span<T>(), Outer, Length, Inner, Reverse);
    }
}
