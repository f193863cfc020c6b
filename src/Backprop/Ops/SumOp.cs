using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// Sum along one axis (keeping it as size 1), or of all elements to a scalar. Its local gradient is 1 for every
/// element, so the backward spreads the upstream gradient back over the summed axis (a broadcast view, no copy).
/// Sums over several axes are chains of this operator.
/// </summary>
internal sealed class SumOp : Node
{
    private int[] _inputShape = [];
    private int _axis;
    private bool _all;
    public override string Name => "sum";

    /// <summary>The summed axis (kept as size 1), unless <see cref="All"/> (read by the ONNX exporter).</summary>
    internal int Axis => _axis;

    /// <summary>Whether every element was summed to a 0-d result.</summary>
    internal bool All => _all;

    /// <summary>Sum along <paramref name="axis"/> keeping it as size 1; axis −1 with <paramref name="all"/> sums everything to 0-d.</summary>
    public static Tensor Apply(Tensor x, int axis, bool all)
    {
        if (x.Batched is not null) return BatchingRules.Sum(x, axis, all);
        Elementwise.RequireFloat("sum", x);
        var c = x.ContiguousData();
        int outer, length, inner;
        int[] shape;
        if (all)
        {
            (outer, length, inner) = (1, x.Numel, 1);
            shape = Shapes.Scalar;
        }
        else
        {
            (outer, length, inner) = Split(x.ShapeArray, axis);
            shape = (int[])x.ShapeArray.Clone();
            shape[axis] = 1;
        }
        var sum = new SumAction { X = c, Y = Storage.Empty(shape, x.DType), Outer = outer, Length = length, Inner = inner };
        DTypeDispatch.Run(x.DType, ref sum);
        var y = sum.Y;
        return Autograd.ShouldRecord(x) ? Record(y, new SumOp { _inputShape = x.ShapeArray, _axis = axis, _all = all }, x) : y;
    }

    /// <summary>The [outer, length, inner] view of a contiguous tensor for a reduction along <paramref name="axis"/>.</summary>
    internal static (int Outer, int Length, int Inner) Split(int[] shape, int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= shape[i];
        for (int i = axis + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, shape[axis], inner);
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = g.ExpandData(_inputShape);

    // Spreading is itself recorded (an expand), so its own gradient sums back.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => dx[0] = ExpandOp.Apply(g, _inputShape);

    private struct SumAction : IDTypeAction
    {
        public Tensor X, Y;
        public int Outer, Length, Inner;
        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
            ReduceKernel.Sum(X.Span<T>(), Y.Span<T>(), Outer, Length, Inner);
    }
}
