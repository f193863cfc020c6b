namespace Backprop.Ops;

/// <summary>
/// The checks every operator that reads integer indices makes, in one wording: an int32 tensor, and each index in
/// range, reported by its value and its position in the index tensor.
/// </summary>
internal static class IndexChecks
{
    /// <summary>Throws unless <paramref name="index"/> holds int32 values.</summary>
    public static void RequireInt32(string op, Tensor index, string what = "the index")
    {
        if (index.DType != DType.Int32)
            throw new ArgumentException($"{op}: {what} must be an int32 tensor, got {index.DType.Name()} of shape {Shapes.Format(index.ShapeArray)}");
    }

    /// <summary>
    /// Throws <see cref="ArgumentOutOfRangeException"/> at the first value outside [0, <paramref name="size"/>), naming
    /// the value, its position in <paramref name="shape"/> and <paramref name="range"/> (what the size is the size of).
    /// </summary>
    public static void InRange(string op, ReadOnlySpan<int> values, int[] shape, int size, string range)
    {
        for (int i = 0; i < values.Length; i++)
            if ((uint)values[i] >= (uint)size)
                throw new ArgumentOutOfRangeException(null,
                    $"{op}: index {values[i]} at position {Position(i, shape)} of the indices {Shapes.Format(shape)} is out of range for {range}, expected 0 to {size - 1}");
    }

    /// <summary>The multi-index of flat element <paramref name="flat"/> of a row-major tensor, written as <c>[1, 17]</c>.</summary>
    public static string Position(int flat, int[] shape)
    {
        if (shape.Length == 0) return "[]";
        var counter = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            counter[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }
        return Shapes.Format(counter);
    }
}
