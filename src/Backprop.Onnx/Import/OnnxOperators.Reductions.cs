namespace Backprop.Onnx;

// Reductions over axes, and arg-extrema.
internal static partial class OnnxOperators
{
    /// <summary>
    /// A reduction over the axes given by the 'axes' attribute, or by input 1 where the opset moved them there
    /// (ReduceSum in opset 13); no axes means all of them, unless noop_with_empty_axes asks for the identity.
    /// </summary>
    private static Tensor Reduce(OnnxNodeContext c, Func<Tensor, int[], bool, Tensor> reduce, bool axesAsInput = false)
    {
        var x = c.Input(0);
        bool keep = c.Int("keepdims", 1) != 0;
        var axes = AxesFrom(c, axesAsInput);
        if (axes is null || axes.Length == 0)
        {
            if (c.Int("noop_with_empty_axes", 0) != 0) return x;
            axes = [.. Enumerable.Range(0, x.Rank).Select(a => (long)a)];
        }
        var normalized = NormalizeAxes(c, axes, x.Rank);
        if (x.DType == DType.Int32) return reduce(x.To(DType.Float64), normalized, keep).To(DType.Int32);
        return reduce(x, normalized, keep);
    }

    // log Σ exp x, shifted by the maximum so that large inputs do not overflow.
    private static Tensor LogSumExp(Tensor x, int[] axes, bool keep)
    {
        var shift = x.Amax(axes, keepDim: true).Detach();
        var y = (x - shift).Exp().Sum(axes, keepDim: true).Log() + shift;
        return keep ? y : y.Reshape([.. Enumerable.Range(0, x.Rank).Where(d => !axes.Contains(d)).Select(d => x.ShapeArray[d])]);
    }

    private static Tensor ArgExtreme(OnnxNodeContext c, bool max)
    {
        var x = c.Input(0);
        int axis = c.Axis(c.Int("axis", 0), x.Rank);
        bool keep = c.Int("keepdims", 1) != 0;
        var t = x.DType == DType.Int32 ? x.To(DType.Float64) : x;
        if (c.Int("select_last_index", 0) == 0) return max ? t.ArgMax(axis, keep) : t.ArgMin(axis, keep);
        // The last of equal extrema: the first one along the reversed axis, counted back from the end.
        int size = t.ShapeArray[axis];
        var reversed = t.IndexSelect(axis, [.. Enumerable.Range(0, size).Reverse()]);
        var index = max ? reversed.ArgMax(axis, keep) : reversed.ArgMin(axis, keep);
        return (Tensor.Full(index.ShapeArray, size - 1, DType.Float64) - index.To(DType.Float64)).To(DType.Int32);
    }

    // The product of the slices along each axis: exact with zeros and negative values, and differentiable.
    private static Tensor Product(Tensor x, int[] axes, bool keep)
    {
        var y = x;
        foreach (int axis in axes)
        {
            int size = y.ShapeArray[axis];
            if (size == 0)
            {
                var shape = (int[])y.ShapeArray.Clone();
                shape[axis] = 1;
                y = Tensor.Full(shape, 1, y.DType);
                continue;
            }
            var product = y.Slice(axis, 0, 1);
            for (int i = 1; i < size; i++) product = product * y.Slice(axis, i, i + 1);
            y = product;
        }
        return keep ? y : y.Reshape([.. Enumerable.Range(0, x.Rank).Where(d => !axes.Contains(d)).Select(d => x.ShapeArray[d])]);
    }
}
