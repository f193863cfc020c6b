namespace Backprop.Kernels;

/// <summary>
/// The lower (or upper) triangle of a batch of contiguous [rows, cols] matrices: element (i, j) is kept where
/// j − i ≤ diagonal (tril) or j − i ≥ diagonal (triu), and zero elsewhere. Each row is a copy and a clear.
/// </summary>
internal static class TriangleKernel
{
    public static void Apply<T>(ReadOnlySpan<T> x, Span<T> y, int rows, int cols, long diagonal, bool upper) where T : unmanaged
    {
        int matrix = rows * cols;
        int batch = matrix == 0 ? 0 : x.Length / matrix;
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < rows; i++)
            {
                int start = (b * rows + i) * cols;
                var src = x.Slice(start, cols);
                var dst = y.Slice(start, cols);
                if (upper)
                {
                    int first = (int)Math.Clamp(i + diagonal, 0, cols); // columns [first, cols) are kept
                    dst[..first].Clear();
                    src[first..].CopyTo(dst[first..]);
                }
                else
                {
                    int end = (int)Math.Clamp(i + diagonal + 1, 0, cols); // columns [0, end) are kept
                    src[..end].CopyTo(dst[..end]);
                    dst[end..].Clear();
                }
            }
    }
}
