using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>Joins tensors along an existing axis; each input's gradient is its slice of the upstream gradient.</summary>
internal sealed class ConcatOp : Node
{
    private int _axis;
    private int[] _sizes = [];
    public override string Name => "concat";

    /// <summary>The joined axis (read by the ONNX exporter).</summary>
    internal int Axis => _axis;

    public static Tensor Apply(Tensor[] parts, int axis)
    {
        if (parts.Length == 0) throw new ArgumentException("concat: expected at least one tensor");
        var first = parts[0];
        if (first.Rank == 0) throw new ArgumentException("concat: 0-d tensors have no axis to join along; use Stack");
        axis = Shapes.NormalizeAxis("concat", axis, first.Rank);
        if (Batching.Top(parts) is { } level) return BatchingRules.Concat(level, parts, axis);
        var dtype = first.DType;
        int total = 0;
        var sizes = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            var p = parts[i];
            if (p.Rank != first.Rank)
                throw new ArgumentException($"concat: tensor {i} has shape {Shapes.Format(p.ShapeArray)}, expected rank {first.Rank} like {Shapes.Format(first.ShapeArray)}");
            for (int d = 0; d < p.Rank; d++)
                if (d != axis && p.ShapeArray[d] != first.ShapeArray[d])
                    throw new ArgumentException($"concat: tensor {i} has shape {Shapes.Format(p.ShapeArray)}, which differs from {Shapes.Format(first.ShapeArray)} on axis {d} (only axis {axis} may differ)");
            sizes[i] = p.ShapeArray[axis];
            total += sizes[i];
            dtype = DTypeInfo.Promote(dtype, p.DType);
        }
        var shape = (int[])first.ShapeArray.Clone();
        shape[axis] = total;
        var y = Storage.Empty(shape, dtype);
        int start = 0;
        foreach (var p in parts)
        {
            var region = y.SliceData(axis, start, p.ShapeArray[axis]);
            var scatter = new SliceOp.ScatterAction
            {
                Source = p.CastData(dtype).ContiguousData(), Destination = y, Offset = region.Offset, Shape = region.ShapeArray, Strides = region.StridesArray,
            };
            DTypeDispatch.RunAny(dtype, ref scatter);
            start += p.ShapeArray[axis];
        }
        if (!Autograd.ShouldRecord(parts)) return y;
        return Record(y, new ConcatOp { _axis = axis, _sizes = sizes }, (Tensor[])parts.Clone());
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        int start = 0;
        for (int i = 0; i < _sizes.Length; i++)
        {
            if (InputArray[i].RequiresGrad) dx[i] = g.SliceData(_axis, start, _sizes[i]);
            start += _sizes[i];
        }
    }

    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        int start = 0;
        for (int i = 0; i < _sizes.Length; i++)
        {
            if (Wants(i)) dx[i] = g.Narrow(_axis, start, _sizes[i]);
            start += _sizes[i];
        }
    }
}
