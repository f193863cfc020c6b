using System.Numerics;

namespace Backprop.Kernels;

/// <summary>
/// Element-wise binary functions with broadcasting over strided operands. Axes are first coalesced so that the
/// innermost loop is as long as possible; each inner row then runs through one vectorised span call
/// (span·span, scalar·span or span·scalar), with a scalar loop only for truly strided rows.
/// </summary>
internal static class BinaryKernel
{
    public static void Apply<T, TF>(TF f, T[] a, int aOffset, int[] aStrides, T[] b, int bOffset, int[] bStrides,
        Span<T> result, int[] shape) where T : unmanaged, IFloatingPointIeee754<T> where TF : struct, IBinaryFunction
    {
        int rank = StridedLayout.Coalesce(shape, aStrides, bStrides, out var dims, out var sa, out var sb);
        if (rank == 0)
        {
            result[0] = f.Invoke(a[aOffset], b[bOffset]);
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
            if (ia == 1 && ib == 1) f.Invoke<T>(a.AsSpan(pa, inner), b.AsSpan(pb, inner), dst);
            else if (ia == 0 && ib == 1) f.Invoke<T>(a[pa], b.AsSpan(pb, inner), dst);
            else if (ia == 1 && ib == 0) f.Invoke<T>(a.AsSpan(pa, inner), b[pb], dst);
            else
            {
                for (int j = 0, xa = pa, xb = pb; j < inner; j++, xa += ia, xb += ib) dst[j] = f.Invoke(a[xa], b[xb]);
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
}
