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

    /// <summary>The reduced axis and max or min (read by the ONNX exporter).</summary>
    internal int Axis => _axis;

    internal bool IsMax => _max;

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
        argIndex = new int[outer * inner];
        var reduce = new ReduceAction { Values = c, Result = Storage.Empty(shape, x.DType), ArgIndex = argIndex, Outer = outer, Length = length, Inner = inner, Max = max, Forward = true };
        DTypeDispatch.Run(x.DType, ref reduce);
        var y = reduce.Result;
        if (!Autograd.ShouldRecord(x)) return y;
        return Record(y, new ExtremeReduceOp { _argIndex = argIndex, _inputShape = x.ShapeArray, _axis = axis, _max = max }, x);
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var (outer, length, inner) = SumOp.Split(_inputShape, _axis);
        var scatter = new ReduceAction { Values = g.ContiguousData(), Result = Storage.Empty(_inputShape, g.DType), ArgIndex = _argIndex, Outer = outer, Length = length, Inner = inner };
        DTypeDispatch.Run(g.DType, ref scatter);
        dx[0] = scatter.Result;
    }

    // g spread over the reduced axis times a constant one-hot mask at the extreme (the rule above for a gradient of ones).
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        Tensor mask;
        using (Autograd.NoGrad()) mask = MaskOf(g);
        dx[0] = ExpandOp.Apply(g, _inputShape) * mask;
    }

    private Tensor MaskOf(Tensor g)
    {
        Span<Tensor?> ones = [null];
        Backward(Tensor.OnesLike(g), ones);
        return ones[0]!;
    }

    /// <summary>The forward (values to extremes and their positions) or the backward (the gradient to those positions).</summary>
    private struct ReduceAction : IDTypeAction
    {
        public Tensor Values, Result;
        public int[] ArgIndex;
        public int Outer, Length, Inner;
        public bool Max, Forward;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            if (Forward) ReduceKernel.Extreme(Values.Span<T>(), Result.Span<T>(), ArgIndex, Outer, Length, Inner, Max);
            else ReduceKernel.ScatterToIndex(Values.Span<T>(), ArgIndex, Result.Span<T>(), Outer, Length, Inner);
        }
    }
}
