using Backprop.Ops;

namespace Backprop;

// Reductions beyond sum and max — amax/amin, standard deviation — the running sum, and the triangles of matrices.
public sealed partial class Tensor
{
    /// <summary>The maximum over all elements; on ties the gradient is split evenly among them (PyTorch's amax).</summary>
    public Tensor Amax() => Amax([], keepDim: false);

    /// <summary>The maximum along an axis; on ties the gradient is split evenly among the tied elements.</summary>
    public Tensor Amax(int axis, bool keepDim = false) => Amax([axis], keepDim);

    /// <summary>The maximum along the given axes (all when the list is empty); ties split the gradient evenly.</summary>
    public Tensor Amax(int[] axes, bool keepDim = false) => AmaxOrAmin(axes, keepDim, max: true);

    /// <summary>The minimum over all elements; on ties the gradient is split evenly among them (PyTorch's amin).</summary>
    public Tensor Amin() => Amin([], keepDim: false);

    /// <summary>The minimum along an axis; on ties the gradient is split evenly among the tied elements.</summary>
    public Tensor Amin(int axis, bool keepDim = false) => Amin([axis], keepDim);

    /// <summary>The minimum along the given axes (all when the list is empty); ties split the gradient evenly.</summary>
    public Tensor Amin(int[] axes, bool keepDim = false) => AmaxOrAmin(axes, keepDim, max: false);

    private Tensor AmaxOrAmin(int[] axes, bool keepDim, bool max)
    {
        var ax = Shapes.NormalizeAxes(max ? "amax" : "amin", axes, Rank);
        var y = AmaxOp.Apply(this, ax, max);
        return keepDim || ax.Length == 0 ? y : y.Reshape(Drop(ax));
    }

    /// <summary>The variance along one axis with <paramref name="correction"/> (1: unbiased; 0: population).</summary>
    public Tensor Var(int axis, int correction = 1, bool keepDim = false) => Var([Shapes.NormalizeAxis("var", axis, Rank)], correction, keepDim);

    /// <summary>
    /// The standard deviation √var with <paramref name="correction"/> (1: unbiased, PyTorch's default; 0: population),
    /// over the given axes (all when none). One element with correction 1 gives NaN, as PyTorch; a constant slice has
    /// gradient 0 (not NaN), as PyTorch's std.
    /// </summary>
    public Tensor Std(int[]? axes = null, int correction = 1, bool keepDim = false) =>
        StdOp.Apply(Var(axes is null ? null : Shapes.NormalizeAxes("std", axes, Rank), correction, keepDim));

    /// <summary>The standard deviation along one axis (see <see cref="Std(int[], int, bool)"/>).</summary>
    public Tensor Std(int axis, int correction = 1, bool keepDim = false) => Std([axis], correction, keepDim);

    /// <summary>The running sum along an axis: element i is the sum of elements 0..i. The gradient is the running sum from the end.</summary>
    public Tensor Cumsum(int axis) => CumsumOp.Apply(this, axis);

    /// <summary>
    /// The lower triangle of the last two axes (a matrix or a batch of them): elements with column − row ≤
    /// <paramref name="diagonal"/> are kept, the rest are 0 (diagonal 0 keeps the main diagonal, −1 drops it).
    /// </summary>
    public Tensor Tril(int diagonal = 0) => TriangleOp.Apply(this, diagonal, upper: false);

    /// <summary>The upper triangle of the last two axes: elements with column − row ≥ <paramref name="diagonal"/> are kept.</summary>
    public Tensor Triu(int diagonal = 0) => TriangleOp.Apply(this, diagonal, upper: true);
}
