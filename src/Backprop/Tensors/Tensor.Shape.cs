using Backprop.Ops;

namespace Backprop;

// Operators that rearrange elements: views where possible, copies where not.
public sealed partial class Tensor
{
    /// <summary>The same elements in another shape; one size may be −1 (inferred). A view when contiguous.</summary>
    public Tensor Reshape(params int[] shape)
    {
        var resolved = ReshapeOp.Resolve("reshape", ShapeArray, shape);
        return Shapes.Equal(resolved, ShapeArray) ? this : ReshapeOp.Apply(this, resolved);
    }

    /// <summary>Same as <see cref="Reshape"/>.</summary>
    public Tensor View(params int[] shape) => Reshape(shape);

    /// <summary>Merges the axes from <paramref name="startAxis"/> to <paramref name="endAxis"/> into one.</summary>
    public Tensor Flatten(int startAxis = 0, int endAxis = -1)
    {
        if (Rank == 0) return Reshape(1);
        int s = Shapes.NormalizeAxis("flatten", startAxis, Rank), e = Shapes.NormalizeAxis("flatten", endAxis, Rank);
        if (s > e) throw new ArgumentException($"flatten: start axis {startAxis} comes after end axis {endAxis}");
        var shape = new List<int>();
        for (int i = 0; i < s; i++) shape.Add(ShapeArray[i]);
        int merged = 1;
        for (int i = s; i <= e; i++) merged *= ShapeArray[i];
        shape.Add(merged);
        for (int i = e + 1; i < Rank; i++) shape.Add(ShapeArray[i]);
        return Reshape(shape.ToArray());
    }

    /// <summary>Removes size-1 axes (all of them, or just <paramref name="axis"/> if it has size 1).</summary>
    public Tensor Squeeze(int? axis = null)
    {
        var shape = new List<int>();
        int only = axis is int a ? Shapes.NormalizeAxis("squeeze", a, Rank) : -1;
        for (int i = 0; i < Rank; i++)
            if (ShapeArray[i] != 1 || (only >= 0 && i != only)) shape.Add(ShapeArray[i]);
        return Reshape(shape.ToArray());
    }

    /// <summary>Inserts a size-1 axis at <paramref name="axis"/> (−1 appends).</summary>
    public Tensor Unsqueeze(int axis)
    {
        int a = Shapes.NormalizeAxis("unsqueeze", axis, Rank + 1);
        var shape = new List<int>(ShapeArray);
        shape.Insert(a, 1);
        return Reshape(shape.ToArray());
    }

    /// <summary>Swaps two axes (a view).</summary>
    public Tensor Transpose(int axis0, int axis1)
    {
        int a = Shapes.NormalizeAxis("transpose", axis0, Rank), b = Shapes.NormalizeAxis("transpose", axis1, Rank);
        if (a == b) return this;
        var order = new int[Rank];
        for (int i = 0; i < Rank; i++) order[i] = i;
        (order[a], order[b]) = (order[b], order[a]);
        return PermuteOp.Apply(this, order);
    }

    /// <summary>The transpose of a matrix (axes reversed for any rank, as PyTorch's .T).</summary>
    public Tensor T
    {
        get
        {
            if (Rank < 2) return this;
            var order = new int[Rank];
            for (int i = 0; i < Rank; i++) order[i] = Rank - 1 - i;
            return PermuteOp.Apply(this, order);
        }
    }

    /// <summary>Reorders the axes (a view).</summary>
    public Tensor Permute(params int[] order) => PermuteOp.Apply(this, order);

    /// <summary>Broadcasts size-1 axes to the given sizes (−1 keeps a size); a view with no copy.</summary>
    public Tensor Expand(params int[] shape) => ExpandOp.Apply(this, shape);

    /// <summary>Broadcasts to <paramref name="shape"/> by NumPy rules (a view).</summary>
    public Tensor BroadcastTo(params int[] shape) => ExpandOp.Apply(this, shape);

    /// <summary><paramref name="length"/> elements along <paramref name="axis"/> from <paramref name="start"/> (a view).</summary>
    public Tensor Narrow(int axis, int start, int length) => SliceOp.Apply(this, axis, start, start + length, 1);

    /// <summary>Elements start, start+step, ... below end along an axis, as Python's x[start:end:step] (a view).</summary>
    public Tensor Slice(int axis, int start, int end, int step = 1) => SliceOp.Apply(this, axis, start, end, step);

    /// <summary>Picks slices along <paramref name="axis"/> by index; repeated indices are allowed.</summary>
    public Tensor IndexSelect(int axis, params int[] indices) => IndexSelectOp.Apply(this, axis, indices);

    /// <summary>PyTorch's gather: along <paramref name="axis"/>, the element named by <paramref name="index"/> (an int32 tensor of the same rank).</summary>
    public Tensor Gather(int axis, Tensor index) => GatherOp.Apply(this, axis, index);

    /// <summary>Joins tensors along an existing axis.</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> tensors, int axis = 0) => ConcatOp.Apply(tensors.ToArray(), axis);

    /// <summary>Joins tensors of equal shape along a new axis.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int axis = 0)
    {
        if (tensors.Count == 0) throw new ArgumentException("stack: expected at least one tensor");
        var first = tensors[0];
        var parts = new Tensor[tensors.Count];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!Shapes.Equal(tensors[i].ShapeArray, first.ShapeArray))
                throw new ArgumentException($"stack: tensor {i} has shape {Shapes.Format(tensors[i].ShapeArray)}, expected {Shapes.Format(first.ShapeArray)} like tensor 0");
            parts[i] = tensors[i].Unsqueeze(axis);
        }
        return ConcatOp.Apply(parts, axis);
    }

    /// <summary>This tensor if its elements are contiguous, else a contiguous copy (the gradient passes through).</summary>
    public Tensor Contiguous() => IsContiguous ? this : CopyOp.Apply(this);

    /// <summary>A contiguous copy (the gradient passes through).</summary>
    public Tensor Clone() => Batched is null ? CopyOp.Apply(this) : BatchingRules.Map(this, static p => p.Clone());
}
