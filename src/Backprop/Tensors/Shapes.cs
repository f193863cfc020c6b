namespace Backprop;

/// <summary>
/// Shape arithmetic: the element count and the text of a shape are public (front ends write the same shape messages
/// the library does); strides, broadcasting and axis rules are the operators' own.
/// </summary>
public static class Shapes
{
    internal static readonly int[] Scalar = [];

    /// <summary>The number of elements of a tensor of this shape; throws <see cref="ArgumentException"/> past <see cref="int.MaxValue"/>.</summary>
    public static int Numel(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape) n *= d;
        if (n > int.MaxValue) throw new ArgumentException($"a tensor of shape {Format(shape)} has more than {int.MaxValue} elements");
        return (int)n;
    }

    private static readonly int[] UnitStride = [1];

    // The strides of the shapes made last on this thread. A training step makes the same few shapes every step, and
    // each new tensor allocated its strides again (about 0.5-1 KB a step in the benchmark MLP and CNN). Stride
    // arrays are never written once made, so one array serves every tensor of its shape.
    [ThreadStatic] private static int[][]? t_recentStrides;
    [ThreadStatic] private static int t_nextRecent;
    private const int RecentStrides = 8;

    /// <summary>Row-major strides of <paramref name="shape"/>; the array may be shared with other tensors and must not be written.</summary>
    internal static int[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        if (shape.Length == 0) return Scalar;
        if (shape.Length == 1) return UnitStride;
        var recent = t_recentStrides ??= new int[RecentStrides][];
        foreach (var cached in recent)
            if (cached is not null && HasStrides(shape, cached)) return cached;
        var strides = new int[shape.Length];
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= shape[i];
        }
        recent[t_nextRecent] = strides;
        t_nextRecent = (t_nextRecent + 1) % RecentStrides;
        return strides;
    }

    // Whether strides are the row-major strides of shape (the first axis's size does not enter them).
    private static bool HasStrides(ReadOnlySpan<int> shape, int[] strides)
    {
        if (strides.Length != shape.Length) return false;
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (strides[i] != s) return false;
            s *= shape[i];
        }
        return true;
    }

    internal static bool IsContiguous(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides)
    {
        int expected = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] == 1) continue; // a size-1 axis may have any stride
            if (strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /// <summary>The shape as the library's messages write it: <c>[2, 3]</c>, and <c>[]</c> for a scalar.</summary>
    public static string Format(ReadOnlySpan<int> shape)
    {
        if (shape.Length == 0) return "[]";
        var parts = new string[shape.Length];
        for (int i = 0; i < shape.Length; i++) parts[i] = shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        return "[" + string.Join(", ", parts) + "]";
    }

    internal static bool Equal(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    /// <summary>NumPy broadcasting: align from the right; sizes must match or one of them be 1.</summary>
    internal static int[] Broadcast(string op, ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        if (a.SequenceEqual(b)) return a.ToArray();
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException(
                    $"{op}: shapes {Format(a)} and {Format(b)} cannot be broadcast together (axis {i}: {da} vs {db}; sizes must match or be 1)");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>The strides that read a tensor of <paramref name="shape"/> as if it had <paramref name="target"/> shape (0 on broadcast axes).</summary>
    internal static int[] BroadcastStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, ReadOnlySpan<int> target)
    {
        var result = new int[target.Length];
        int lead = target.Length - shape.Length;
        for (int i = 0; i < shape.Length; i++)
            result[lead + i] = shape[i] == 1 && target[lead + i] != 1 ? 0 : strides[i];
        return result;
    }

    internal static int NormalizeAxis(string op, int axis, int rank)
    {
        int r = Math.Max(rank, 1);
        int a = axis < 0 ? axis + r : axis;
        if (a < 0 || a >= r)
            throw new ArgumentOutOfRangeException(nameof(axis),
                $"{op}: axis {axis} is out of range for a tensor of rank {rank} (expected {-r}..{r - 1})");
        return a;
    }

    /// <summary>Normalised, sorted, distinct axes; an empty list means all axes.</summary>
    internal static int[] NormalizeAxes(string op, ReadOnlySpan<int> axes, int rank)
    {
        if (axes.Length == 0)
        {
            var all = new int[rank];
            for (int i = 0; i < rank; i++) all[i] = i;
            return all;
        }
        var result = new int[axes.Length];
        for (int i = 0; i < axes.Length; i++) result[i] = NormalizeAxis(op, axes[i], rank);
        Array.Sort(result);
        for (int i = 1; i < result.Length; i++)
            if (result[i] == result[i - 1]) throw new ArgumentException($"{op}: axis {result[i]} is given twice");
        return result;
    }
}
