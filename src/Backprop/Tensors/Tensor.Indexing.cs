using Backprop.Ops;

namespace Backprop;

// Operators that cut, pad and scatter along axes, and the one-hot encoding of indices.
public sealed partial class Tensor
{
    /// <summary>
    /// Cuts <paramref name="axis"/> into pieces of <paramref name="size"/> elements (the last one smaller when the size
    /// does not divide the axis), as <c>torch.split(x, size, dim)</c>. The pieces are views (<see cref="Narrow"/>), each
    /// with its own gradient path; an empty axis gives one empty piece.
    /// </summary>
    public Tensor[] Split(int size, int axis = 0)
    {
        int a = Shapes.NormalizeAxis("split", axis, Rank);
        if (Rank == 0) throw new ArgumentException("split: a 0-d tensor has no axis to split");
        int length = ShapeArray[a];
        if (size <= 0)
            throw new ArgumentOutOfRangeException(nameof(size), $"split: the piece size must be positive, got {size} (input {Shapes.Format(ShapeArray)}, axis {a})");
        if (length == 0) return [Narrow(a, 0, 0)];
        var pieces = new Tensor[(length + size - 1) / size];
        for (int i = 0; i < pieces.Length; i++) pieces[i] = Narrow(a, i * size, Math.Min(size, length - i * size));
        return pieces;
    }

    /// <summary>
    /// Cuts <paramref name="axis"/> into pieces of the given <paramref name="sizes"/>, which must add up to its length,
    /// as <c>torch.split(x, [s0, s1, ...], dim)</c>. The pieces are views with their own gradient paths.
    /// </summary>
    public Tensor[] Split(int[] sizes, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        int a = Shapes.NormalizeAxis("split", axis, Rank);
        if (Rank == 0) throw new ArgumentException("split: a 0-d tensor has no axis to split");
        long total = 0;
        foreach (int s in sizes)
        {
            if (s < 0) throw new ArgumentOutOfRangeException(nameof(sizes), $"split: sizes [{string.Join(", ", sizes)}] include the negative {s}");
            total += s;
        }
        if (total != ShapeArray[a])
            throw new ArgumentException(
                $"split: sizes [{string.Join(", ", sizes)}] add up to {total}, but axis {a} of {Shapes.Format(ShapeArray)} has {ShapeArray[a]} elements");
        var pieces = new Tensor[sizes.Length];
        for (int i = 0, start = 0; i < sizes.Length; start += sizes[i], i++) pieces[i] = Narrow(a, start, sizes[i]);
        return pieces;
    }

    /// <summary>
    /// Cuts <paramref name="axis"/> into at most <paramref name="chunks"/> pieces of ⌈length / chunks⌉ elements (the last
    /// one smaller), as <c>torch.chunk</c>: 6 elements in 4 chunks give 3 pieces of 2. Views with their own gradient paths.
    /// </summary>
    public Tensor[] Chunk(int chunks, int axis = 0)
    {
        if (chunks <= 0)
            throw new ArgumentOutOfRangeException(nameof(chunks), $"chunk: the number of chunks must be positive, got {chunks}");
        int a = Shapes.NormalizeAxis("chunk", axis, Rank);
        if (Rank == 0) throw new ArgumentException("chunk: a 0-d tensor has no axis to cut");
        int length = ShapeArray[a];
        if (length == 0)
        {
            // PyTorch gives that many empty pieces.
            var empty = new Tensor[chunks];
            for (int i = 0; i < chunks; i++) empty[i] = Narrow(a, 0, 0);
            return empty;
        }
        return Split((length + chunks - 1) / chunks, a);
    }

    /// <summary>
    /// Constant padding, as <c>torch.nn.functional.pad(x, pads, value=value)</c>: <paramref name="pads"/> holds
    /// (before, after) pairs starting from the last axis — (left, right) pads the last axis, (left, right, top, bottom)
    /// the last two. A negative pad crops that many elements, as in PyTorch. The gradient flows to the kept elements.
    /// </summary>
    public Tensor Pad(int[] pads, double value = 0) => PadOp.Apply(this, pads, value);

    /// <summary>
    /// <c>torch.scatter_add</c>: a copy of this tensor with <paramref name="source"/>'s elements added at the places
    /// <paramref name="index"/> names along <paramref name="axis"/> (for axis 0: out[index[i][j]][j] += source[i][j]).
    /// The index (int32) has this tensor's rank and no larger size than <paramref name="source"/> on any axis, nor than
    /// this tensor on the other axes. Repeated places add up (in index order). Gradients flow to this tensor and to the
    /// source.
    /// </summary>
    public Tensor ScatterAdd(int axis, Tensor index, Tensor source)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(source);
        return ScatterAddOp.Apply(this, axis, index, source);
    }

    /// <summary>
    /// One-hot encoding of int32 class indices, as <c>torch.nn.functional.one_hot</c>: an int32 tensor
    /// [...Shape, numClasses] with a 1 at each index. With −1 the count is the largest index + 1. An index below 0 or at
    /// least <paramref name="numClasses"/> throws <see cref="ArgumentOutOfRangeException"/> naming it and its position.
    /// </summary>
    public Tensor OneHot(int numClasses = -1) => OneHotOp.Apply(this, numClasses);
}
