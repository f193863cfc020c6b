using Backprop.Ops;

namespace Backprop;

// Sorting and selection along an axis: values with gradients, int32 indices without.
public sealed partial class Tensor
{
    /// <summary>
    /// The <paramref name="k"/> largest (or, with <paramref name="largest"/> false, smallest) elements along
    /// <paramref name="axis"/> and their int32 positions, as <c>torch.topk</c>. Values are sorted best first; with
    /// <paramref name="sorted"/> false they come in their original order along the axis instead. NaN counts as larger
    /// than any number; among equal values the lower index comes first (PyTorch does not specify which of equal values
    /// it returns). The values carry the gradient to the places they came from.
    /// </summary>
    public (Tensor Values, Tensor Indices) TopK(int k, int axis = -1, bool largest = true, bool sorted = true) =>
        TopKOp.Apply(this, k, axis, largest, sorted, "topk");

    /// <summary>
    /// The elements sorted along <paramref name="axis"/> (ascending, or descending) and the int32 positions they came
    /// from, as <c>torch.sort(x, dim, descending, stable=True)</c>: stable (equal values keep their order), NaN
    /// counted as larger than any number (last ascending, first descending). The values carry the gradient.
    /// </summary>
    public (Tensor Values, Tensor Indices) Sort(int axis = -1, bool descending = false) =>
        TopKOp.Apply(this, Rank == 0 ? 1 : Size(axis), axis, descending, sorted: true, "sort");

    /// <summary>The int32 positions that sort the elements along <paramref name="axis"/> (<see cref="Sort"/>'s indices; stable).</summary>
    public Tensor Argsort(int axis = -1, bool descending = false)
    {
        using (Autograd.NoGrad()) return Sort(axis, descending).Indices;
    }
}
