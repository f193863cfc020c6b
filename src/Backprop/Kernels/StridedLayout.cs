namespace Backprop.Kernels;

/// <summary>Index arithmetic for walking strided tensors row by row.</summary>
internal static class StridedLayout
{
    /// <summary>
    /// Merges neighbouring axes that both operands traverse as one (stride[i] == stride[i+1]·size[i+1]) and drops
    /// size-1 axes, so a contiguous tensor becomes one long row and [N,M]+[M] stays two axes.
    /// Returns the coalesced rank; the arrays hold the merged sizes and strides.
    /// </summary>
    public static int Coalesce(int[] shape, int[] aStrides, int[] bStrides, out int[] dims, out int[] sa, out int[] sb)
    {
        dims = new int[shape.Length];
        sa = new int[shape.Length];
        sb = new int[shape.Length];
        int rank = 0;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1) continue;
            if (rank > 0 && sa[rank - 1] == aStrides[i] * shape[i] && sb[rank - 1] == bStrides[i] * shape[i])
            {
                dims[rank - 1] *= shape[i];
                sa[rank - 1] = aStrides[i];
                sb[rank - 1] = bStrides[i];
                continue;
            }
            dims[rank] = shape[i];
            sa[rank] = aStrides[i];
            sb[rank] = bStrides[i];
            rank++;
        }
        return rank;
    }

    /// <summary>Copies a strided view into a contiguous destination, a row at a time.</summary>
    public static void Gather<T>(T[] source, int offset, int[] shape, int[] strides, Span<T> destination)
    {
        int rank = Coalesce(shape, strides, strides, out var dims, out var s, out _);
        if (rank == 0)
        {
            if (destination.Length > 0) destination[0] = source[offset];
            return;
        }
        int inner = dims[rank - 1];
        int step = s[rank - 1];
        int rows = destination.Length / Math.Max(inner, 1);
        Span<int> counter = stackalloc int[rank];
        int p = offset;
        for (int row = 0; row < rows; row++)
        {
            var dst = destination.Slice(row * inner, inner);
            if (step == 1) source.AsSpan(p, inner).CopyTo(dst);
            else for (int j = 0, x = p; j < inner; j++, x += step) dst[j] = source[x];
            for (int axis = rank - 2; axis >= 0; axis--)
            {
                counter[axis]++;
                p += s[axis];
                if (counter[axis] < dims[axis]) break;
                p -= s[axis] * dims[axis];
                counter[axis] = 0;
            }
        }
    }

    /// <summary>Copies a contiguous source into a strided view (the inverse of <see cref="Gather{T}"/>).</summary>
    public static void Scatter<T>(ReadOnlySpan<T> source, T[] destination, int offset, int[] shape, int[] strides)
    {
        int rank = Coalesce(shape, strides, strides, out var dims, out var s, out _);
        if (rank == 0)
        {
            if (source.Length > 0) destination[offset] = source[0];
            return;
        }
        int inner = dims[rank - 1];
        int step = s[rank - 1];
        int rows = source.Length / Math.Max(inner, 1);
        Span<int> counter = stackalloc int[rank];
        int p = offset;
        for (int row = 0; row < rows; row++)
        {
            var src = source.Slice(row * inner, inner);
            if (step == 1) src.CopyTo(destination.AsSpan(p, inner));
            else for (int j = 0, x = p; j < inner; j++, x += step) destination[x] = src[j];
            for (int axis = rank - 2; axis >= 0; axis--)
            {
                counter[axis]++;
                p += s[axis];
                if (counter[axis] < dims[axis]) break;
                p -= s[axis] * dims[axis];
                counter[axis] = 0;
            }
        }
    }
}
