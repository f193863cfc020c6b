using System.Numerics;

namespace Backprop.Kernels;

/// <summary>
/// Element-wise binary functions with broadcasting over strided operands. Axes are first coalesced so that the
/// innermost loop is as long as possible; each inner row then runs through one vectorised span call
/// (span·span, scalar·span or span·scalar), with a scalar loop only for truly strided rows. Large results are
/// split over cores in blocks of whole rows (each element computed on its own, so the split changes nothing).
/// </summary>
internal static class BinaryKernel
{
    /// <summary>result[i] = f(a[i], b[i]) over the broadcast <paramref name="shape"/>; result is contiguous from index 0.</summary>
    public static void Apply<T, TF>(TF f, T[] a, int aOffset, int[] aStrides, T[] b, int bOffset, int[] bStrides,
        T[] result, int[] shape) where T : unmanaged, IFloatingPointIeee754<T> where TF : struct, IBinaryFunction
    {
        int rank = StridedLayout.Coalesce(shape, aStrides, bStrides, out var dims, out var sa, out var sb);
        if (rank == 0)
        {
            result[0] = f.Invoke(a[aOffset], b[bOffset]);
            return;
        }
        var walk = new RowWalk<T, TF> { F = f, A = a, B = b, Result = result, AOffset = aOffset, BOffset = bOffset, Dims = dims, StridesA = sa, StridesB = sb, Rank = rank };
        int inner = Math.Max(dims[rank - 1], 1);
        int rows = Shapes.Numel(shape) / inner;
        if (rows == 0) return;
        if (rank == 1 && inner > ElementwiseKernel.Chunk)
        {
            // One long row (the operands coalesce to one axis, e.g. a strided view against a contiguous tensor):
            // split it into pieces, so it is not left to one thread.
            int pieces = (inner + ElementwiseKernel.Chunk - 1) / ElementwiseKernel.Chunk;
            Parallelism.For(pieces, ElementwiseKernel.Chunk, new RowPieces<T, TF> { F = f, A = a, B = b, Result = result, AOffset = aOffset, BOffset = bOffset, StrideA = sa[0], StrideB = sb[0], Length = inner });
            return;
        }
        int rowsPerItem = Math.Max(1, ElementwiseKernel.Chunk / inner);
        int items = (rows + rowsPerItem - 1) / rowsPerItem;
        if (items <= 1) walk.Run(0, rows);
        else Parallelism.For(items, (long)rowsPerItem * inner, new RowBlocks<T, TF> { Walk = walk, RowsPerItem = rowsPerItem, Rows = rows });
    }

    private struct RowBlocks<T, TF> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T> where TF : struct, IBinaryFunction
    {
        public RowWalk<T, TF> Walk;
        public int RowsPerItem, Rows;

        public readonly void Invoke(int index)
        {
            int first = index * RowsPerItem;
            Walk.Run(first, Math.Min(RowsPerItem, Rows - first));
        }
    }

    private struct RowPieces<T, TF> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T> where TF : struct, IBinaryFunction
    {
        public TF F;
        public T[] A, B, Result;
        public int AOffset, BOffset, StrideA, StrideB, Length;

        public readonly void Invoke(int index)
        {
            int first = index * ElementwiseKernel.Chunk, count = Math.Min(ElementwiseKernel.Chunk, Length - first);
            int pa = AOffset + first * StrideA, pb = BOffset + first * StrideB;
            var dst = Result.AsSpan(first, count);
            if (StrideA == 1 && StrideB == 1) F.Invoke<T>(A.AsSpan(pa, count), B.AsSpan(pb, count), dst);
            else if (StrideA == 0 && StrideB == 1) F.Invoke<T>(A[pa], B.AsSpan(pb, count), dst);
            else if (StrideA == 1 && StrideB == 0) F.Invoke<T>(A.AsSpan(pa, count), B[pb], dst);
            else
                for (int j = 0, xa = pa, xb = pb; j < count; j++, xa += StrideA, xb += StrideB) dst[j] = F.Invoke(A[xa], B[xb]);
        }
    }

    private struct RowWalk<T, TF> where T : unmanaged, IFloatingPointIeee754<T> where TF : struct, IBinaryFunction
    {
        public TF F;
        public T[] A, B, Result;
        public int AOffset, BOffset, Rank;
        public int[] Dims, StridesA, StridesB;

        /// <summary>Rows [first, first + count) of the coalesced layout.</summary>
        public readonly void Run(int first, int count)
        {
            int[] dims = Dims, sa = StridesA, sb = StridesB;
            int rank = Rank, inner = dims[rank - 1];
            int ia = sa[rank - 1], ib = sb[rank - 1];
            // The outer multi-index (all axes but the innermost) of the first row, and the operands' positions there.
            Span<int> counter = stackalloc int[rank];
            int pa = AOffset, pb = BOffset;
            for (int axis = rank - 2, rest = first; axis >= 0; axis--)
            {
                counter[axis] = rest % dims[axis];
                rest /= dims[axis];
                pa += counter[axis] * sa[axis];
                pb += counter[axis] * sb[axis];
            }
            T[] a = A, b = B;
            for (int row = first; row < first + count; row++)
            {
                var dst = Result.AsSpan(row * inner, inner);
                if (ia == 1 && ib == 1) F.Invoke<T>(a.AsSpan(pa, inner), b.AsSpan(pb, inner), dst);
                else if (ia == 0 && ib == 1) F.Invoke<T>(a[pa], b.AsSpan(pb, inner), dst);
                else if (ia == 1 && ib == 0) F.Invoke<T>(a.AsSpan(pa, inner), b[pb], dst);
                else
                {
                    for (int j = 0, xa = pa, xb = pb; j < inner; j++, xa += ia, xb += ib) dst[j] = F.Invoke(a[xa], b[xb]);
                }
                // Advance the outer multi-index.
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
}
