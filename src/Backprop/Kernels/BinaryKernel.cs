using System.Numerics;
using System.Numerics.Tensors;

namespace Backprop.Kernels;

/// <summary>The element-wise functions of two arguments.</summary>
internal enum BinaryFunction { Add, Subtract, Multiply, Divide, Pow, Max, Min }

/// <summary>
/// Element-wise binary functions with broadcasting over strided operands. Axes are first coalesced so that the
/// innermost loop is as long as possible; each inner row then runs through one vectorised span call
/// (span·span, scalar·span or span·scalar), with a scalar loop only for truly strided rows.
/// </summary>
internal static class BinaryKernel
{
    public static void Apply<T>(BinaryFunction f, T[] a, int aOffset, int[] aStrides, T[] b, int bOffset, int[] bStrides,
        Span<T> result, int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rank = StridedLayout.Coalesce(shape, aStrides, bStrides, out var dims, out var sa, out var sb);
        if (rank == 0)
        {
            result[0] = Scalar(f, a[aOffset], b[bOffset]);
            return;
        }
        int inner = dims[rank - 1];
        int ia = sa[rank - 1], ib = sb[rank - 1];
        int rows = result.Length / Math.Max(inner, 1);
        Span<int> counter = stackalloc int[rank];
        int pa = aOffset, pb = bOffset;
        for (int row = 0; row < rows; row++)
        {
            var dst = result.Slice(row * inner, inner);
            if (ia == 1 && ib == 1) SpanSpan(f, a.AsSpan(pa, inner), b.AsSpan(pb, inner), dst);
            else if (ia == 0 && ib == 1) ScalarSpan(f, a[pa], b.AsSpan(pb, inner), dst);
            else if (ia == 1 && ib == 0) SpanScalar(f, a.AsSpan(pa, inner), b[pb], dst);
            else
            {
                for (int j = 0, xa = pa, xb = pb; j < inner; j++, xa += ia, xb += ib) dst[j] = Scalar(f, a[xa], b[xb]);
            }
            // Advance the outer multi-index (all axes but the innermost).
            for (int axis = rank - 2; axis >= 0; axis--)
            {
                counter[axis]++;
                pa += sa[axis];
                pb += sb[axis];
                if (counter[axis] < dims[axis]) break;
                pa -= sa[axis] * dims[axis];
                pb -= sb[axis] * dims[axis];
                counter[axis] = 0;
            }
        }
    }

    public static T Scalar<T>(BinaryFunction f, T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => f switch
    {
        BinaryFunction.Add => x + y,
        BinaryFunction.Subtract => x - y,
        BinaryFunction.Multiply => x * y,
        BinaryFunction.Divide => x / y,
        BinaryFunction.Pow => T.Pow(x, y),
        BinaryFunction.Max => T.IsNaN(x) || x > y ? x : y,
        _ => T.IsNaN(x) || x < y ? x : y,
    };

    public static void SpanSpan<T>(BinaryFunction f, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (f)
        {
            case BinaryFunction.Add: TensorPrimitives.Add(x, y, d); break;
            case BinaryFunction.Subtract: TensorPrimitives.Subtract(x, y, d); break;
            case BinaryFunction.Multiply: TensorPrimitives.Multiply(x, y, d); break;
            case BinaryFunction.Divide: TensorPrimitives.Divide(x, y, d); break;
            case BinaryFunction.Pow: TensorPrimitives.Pow(x, y, d); break;
            case BinaryFunction.Max: TensorPrimitives.Max(x, y, d); break;
            default: TensorPrimitives.Min(x, y, d); break;
        }
    }

    public static void ScalarSpan<T>(BinaryFunction f, T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (f)
        {
            case BinaryFunction.Add: TensorPrimitives.Add(y, x, d); break;
            case BinaryFunction.Subtract: TensorPrimitives.Subtract(x, y, d); break;
            case BinaryFunction.Multiply: TensorPrimitives.Multiply(y, x, d); break;
            case BinaryFunction.Divide: TensorPrimitives.Divide(x, y, d); break;
            case BinaryFunction.Pow: TensorPrimitives.Pow(x, y, d); break;
            case BinaryFunction.Max: TensorPrimitives.Max(y, x, d); break;
            default: TensorPrimitives.Min(y, x, d); break;
        }
    }

    public static void SpanScalar<T>(BinaryFunction f, ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (f)
        {
            case BinaryFunction.Add: TensorPrimitives.Add(x, y, d); break;
            case BinaryFunction.Subtract: TensorPrimitives.Subtract(x, y, d); break;
            case BinaryFunction.Multiply: TensorPrimitives.Multiply(x, y, d); break;
            case BinaryFunction.Divide: TensorPrimitives.Divide(x, y, d); break;
            case BinaryFunction.Pow: TensorPrimitives.Pow(x, y, d); break;
            case BinaryFunction.Max: TensorPrimitives.Max(x, y, d); break;
            default: TensorPrimitives.Min(x, y, d); break;
        }
    }
}
