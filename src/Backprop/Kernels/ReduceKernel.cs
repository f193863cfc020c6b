using System.Numerics;
using System.Numerics.Tensors;

namespace Backprop.Kernels;

/// <summary>
/// Reductions of a contiguous tensor viewed as [outer, length, inner] along the middle axis — any single-axis
/// reduction has this form, and several axes are reduced one after another by the operators.
/// </summary>
internal static class ReduceKernel
{
    public static void Sum<T>(ReadOnlySpan<T> x, Span<T> result, int outer, int length, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++) result[o] = TensorPrimitives.Sum(x.Slice(o * length, length));
            return;
        }
        for (int o = 0; o < outer; o++)
        {
            var dst = result.Slice(o * inner, inner);
            if (length == 0) { dst.Clear(); continue; }
            var block = x.Slice(o * length * inner, length * inner);
            block[..inner].CopyTo(dst);
            for (int j = 1; j < length; j++) TensorPrimitives.Add(dst, block.Slice(j * inner, inner), dst);
        }
    }

    /// <summary>Maximum (or minimum) along the axis and the index of its first occurrence, which receives the gradient.</summary>
    public static void Extreme<T>(ReadOnlySpan<T> x, Span<T> result, Span<int> argIndex, int outer, int length, int inner, bool max)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                var row = x.Slice(o * length, length);
                int k = max ? TensorPrimitives.IndexOfMax(row) : TensorPrimitives.IndexOfMin(row);
                argIndex[o] = k;
                result[o] = row[k];
            }
            return;
        }
        for (int o = 0; o < outer; o++)
        {
            var block = x.Slice(o * length * inner, length * inner);
            var dst = result.Slice(o * inner, inner);
            var idx = argIndex.Slice(o * inner, inner);
            block[..inner].CopyTo(dst);
            idx.Clear();
            for (int j = 1; j < length; j++)
            {
                var row = block.Slice(j * inner, inner);
                for (int i = 0; i < inner; i++)
                {
                    // Strict comparison keeps the first extreme; NaN wins so it propagates as in PyTorch.
                    bool better = max ? row[i] > dst[i] : row[i] < dst[i];
                    if (better || (T.IsNaN(row[i]) && !T.IsNaN(dst[i])))
                    {
                        dst[i] = row[i];
                        idx[i] = j;
                    }
                }
            }
        }
    }

    /// <summary>Writes each gradient to the saved arg-extreme position of a zeroed [outer, length, inner] buffer.</summary>
    public static void ScatterToIndex<T>(ReadOnlySpan<T> grad, ReadOnlySpan<int> argIndex, Span<T> result, int outer, int length, int inner)
        where T : unmanaged
    {
        result.Clear();
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
                result[(o * length + argIndex[o * inner + i]) * inner + i] = grad[o * inner + i];
    }
}
