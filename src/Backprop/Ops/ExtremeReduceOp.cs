using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// Maximum (or minimum) along one axis, keeping it as size 1. Like the max gate, it routes the whole gradient to
/// the element that won — the first one on ties, the same element <see cref="Tensor.ArgMax"/> names.
/// </summary>
internal sealed class ExtremeReduceOp : Node
{
    private int[] _argIndex = [];
    private int[] _inputShape = [];
    private int _axis;
    private bool _max;
    public override string Name => _max ? "max" : "min";

    public static Tensor Apply(Tensor x, int axis, bool max) => Reduce(x, axis, max, out _);

    /// <summary>The extreme values along the axis; <paramref name="argIndex"/> receives their positions along it.</summary>
    internal static Tensor Reduce(Tensor x, int axis, bool max, out int[] argIndex)
    {
        string name = max ? "max" : "min";
        Elementwise.RequireFloat(name, x);
        var (outer, length, inner) = SumOp.Split(x.ShapeArray, axis);
        if (length == 0) throw new ArgumentException($"{name}: cannot reduce along axis {axis} of size 0 (shape {Shapes.Format(x.ShapeArray)})");
        var c = x.ContiguousData();
        var shape = (int[])x.ShapeArray.Clone();
        shape[axis] = 1;
        var y = Storage.Empty(shape, x.DType);
        argIndex = new int[outer * inner];
        if (x.DType == DType.Float32) ReduceKernel.Extreme(c.Span<float>(), y.Span<float>(), argIndex, outer, length, inner, max);
        else ReduceKernel.Extreme(c.Span<double>(), y.Span<double>(), argIndex, outer, length, inner, max);
        if (!Autograd.ShouldRecord(x)) return y;
        return Record(y, new ExtremeReduceOp { _argIndex = argIndex, _inputShape = x.ShapeArray, _axis = axis, _max = max }, x);
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var (outer, length, inner) = SumOp.Split(_inputShape, _axis);
        var gc = g.ContiguousData();
        var result = Storage.Empty(_inputShape, g.DType);
        if (g.DType == DType.Float32) ReduceKernel.ScatterToIndex(gc.Span<float>(), _argIndex, result.Span<float>(), outer, length, inner);
        else ReduceKernel.ScatterToIndex(gc.Span<double>(), _argIndex, result.Span<double>(), outer, length, inner);
        dx[0] = result;
    }
}
