using System.Numerics;

namespace Backprop.Kernels;

/// <summary>
/// Running sums along the middle axis of a contiguous [outer, length, inner] tensor, forwards (cumsum) or backwards
/// (its gradient: dx_j = Σ_{k ≥ j} g_k). The running sum is kept in double for float32 too, as PyTorch's CPU cumsum
/// accumulates in its wider type, so a long float32 prefix does not drift.
/// </summary>
internal static class CumsumKernel
{
    public static void Run<T>(ReadOnlySpan<T> x, Span<T> y, int outer, int length, int inner, bool reverse) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inner == 0 || length == 0) return;
        Span<double> sums = inner <= 256 ? stackalloc double[inner] : new double[inner];
        for (int o = 0; o < outer; o++)
        {
            sums.Clear();
            int block = o * length * inner;
            for (int step = 0; step < length; step++)
            {
                int row = block + (reverse ? length - 1 - step : step) * inner;
                for (int i = 0; i < inner; i++)
                {
                    sums[i] += double.CreateTruncating(x[row + i]);
                    y[row + i] = T.CreateTruncating(sums[i]);
                }
            }
        }
    }
}
