using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>
/// Float AVX-512 product C = Σ_s A_s·B_sᵀ where both operands are contiguous along the contraction: row i of A_s
/// starts at <c>a + s·aStride + i·lda</c>, row j of B_s at <c>b + s·bStride + offsets[j]</c>, each <c>len</c> floats.
/// This is the weight gradient of a stride-1 convolution (gradOutput · im2colᵀ) in the padded-row layout of
/// <see cref="GemmShifted"/>: both operands are read in place, nothing is packed or transposed. Each 4×6 tile keeps
/// 24 vector partial sums over all samples and reduces them once at the end, so the horizontal sums cost little.
/// </summary>
internal static unsafe class GemmRowDot
{
    private const int MR = 4, NR = 6;

    /// <summary>
    /// C[i, j] (row stride <paramref name="ldc"/>) = Σ_s Σ_q A_s[i, q]·B_s[j, q] for i &lt; m, j &lt; n, q &lt; len, or
    /// C[i, j] += that sum when <paramref name="accumulate"/>.
    /// <paramref name="len"/> must be a multiple of 16. Summation order per element: 16 lanes each summing every 16th
    /// q in order of s then q, then the lanes reduced in a fixed tree; it depends only on the arguments.
    /// </summary>
    public static void Multiply(float* a, nint lda, nint aStride, float* b, int* offsets, nint bStride,
        int samples, int len, float* c, int ldc, int m, int n, bool accumulate)
    {
        float* tile = stackalloc float[MR * NR];
        nint* rows = stackalloc nint[MR];
        int* cols = stackalloc int[NR];
        for (int i = 0; i < m; i += MR)
        {
            int rowCount = Math.Min(MR, m - i);
            // Partial tiles repeat their last row / column: only edge tiles waste work, and no second kernel is needed.
            for (int r = 0; r < MR; r++)
                rows[r] = (i + Math.Min(r, rowCount - 1)) * lda;
            for (int j = 0; j < n; j += NR)
            {
                int colCount = Math.Min(NR, n - j);
                for (int t = 0; t < NR; t++)
                    cols[t] = offsets[j + Math.Min(t, colCount - 1)];
                Kernel(a, rows, aStride, b, cols, bStride, samples, len, tile);
                for (int r = 0; r < rowCount; r++)
                {
                    float* row = c + (nint)(i + r) * ldc + j;
                    for (int t = 0; t < colCount; t++)
                        row[t] = accumulate ? row[t] + tile[r * NR + t] : tile[r * NR + t];
                }
            }
        }
    }

    /// <summary>tile[r·6 + t] = Σ_s Σ_q a[s·aStride + rows[r] + q]·b[s·bStride + cols[t] + q].</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Kernel(float* a, nint* rows, nint aStride, float* b, int* cols, nint bStride, int samples, int len, float* tile)
    {
        // 24 accumulators + 4 A vectors + 1 B vector fit the 32 zmm registers; per step 10 loads feed 24 FMAs.
        Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default, s04 = default, s05 = default;
        Vector512<float> s10 = default, s11 = default, s12 = default, s13 = default, s14 = default, s15 = default;
        Vector512<float> s20 = default, s21 = default, s22 = default, s23 = default, s24 = default, s25 = default;
        Vector512<float> s30 = default, s31 = default, s32 = default, s33 = default, s34 = default, s35 = default;
        for (int s = 0; s < samples; s++, a += aStride, b += bStride)
        {
            float* a0 = a + rows[0], a1 = a + rows[1], a2 = a + rows[2], a3 = a + rows[3];
            float* b0 = b + cols[0], b1 = b + cols[1], b2 = b + cols[2], b3 = b + cols[3], b4 = b + cols[4], b5 = b + cols[5];
            for (nint q = 0; q < len; q += 16)
            {
                Vector512<float> x0 = Vector512.Load(a0 + q), x1 = Vector512.Load(a1 + q);
                Vector512<float> x2 = Vector512.Load(a2 + q), x3 = Vector512.Load(a3 + q), y;
                y = Vector512.Load(b0 + q);
                s00 = Vector512.FusedMultiplyAdd(x0, y, s00); s10 = Vector512.FusedMultiplyAdd(x1, y, s10);
                s20 = Vector512.FusedMultiplyAdd(x2, y, s20); s30 = Vector512.FusedMultiplyAdd(x3, y, s30);
                y = Vector512.Load(b1 + q);
                s01 = Vector512.FusedMultiplyAdd(x0, y, s01); s11 = Vector512.FusedMultiplyAdd(x1, y, s11);
                s21 = Vector512.FusedMultiplyAdd(x2, y, s21); s31 = Vector512.FusedMultiplyAdd(x3, y, s31);
                y = Vector512.Load(b2 + q);
                s02 = Vector512.FusedMultiplyAdd(x0, y, s02); s12 = Vector512.FusedMultiplyAdd(x1, y, s12);
                s22 = Vector512.FusedMultiplyAdd(x2, y, s22); s32 = Vector512.FusedMultiplyAdd(x3, y, s32);
                y = Vector512.Load(b3 + q);
                s03 = Vector512.FusedMultiplyAdd(x0, y, s03); s13 = Vector512.FusedMultiplyAdd(x1, y, s13);
                s23 = Vector512.FusedMultiplyAdd(x2, y, s23); s33 = Vector512.FusedMultiplyAdd(x3, y, s33);
                y = Vector512.Load(b4 + q);
                s04 = Vector512.FusedMultiplyAdd(x0, y, s04); s14 = Vector512.FusedMultiplyAdd(x1, y, s14);
                s24 = Vector512.FusedMultiplyAdd(x2, y, s24); s34 = Vector512.FusedMultiplyAdd(x3, y, s34);
                y = Vector512.Load(b5 + q);
                s05 = Vector512.FusedMultiplyAdd(x0, y, s05); s15 = Vector512.FusedMultiplyAdd(x1, y, s15);
                s25 = Vector512.FusedMultiplyAdd(x2, y, s25); s35 = Vector512.FusedMultiplyAdd(x3, y, s35);
            }
        }
        tile[0] = Vector512.Sum(s00); tile[1] = Vector512.Sum(s01); tile[2] = Vector512.Sum(s02);
        tile[3] = Vector512.Sum(s03); tile[4] = Vector512.Sum(s04); tile[5] = Vector512.Sum(s05);
        tile[6] = Vector512.Sum(s10); tile[7] = Vector512.Sum(s11); tile[8] = Vector512.Sum(s12);
        tile[9] = Vector512.Sum(s13); tile[10] = Vector512.Sum(s14); tile[11] = Vector512.Sum(s15);
        tile[12] = Vector512.Sum(s20); tile[13] = Vector512.Sum(s21); tile[14] = Vector512.Sum(s22);
        tile[15] = Vector512.Sum(s23); tile[16] = Vector512.Sum(s24); tile[17] = Vector512.Sum(s25);
        tile[18] = Vector512.Sum(s30); tile[19] = Vector512.Sum(s31); tile[20] = Vector512.Sum(s32);
        tile[21] = Vector512.Sum(s33); tile[22] = Vector512.Sum(s34); tile[23] = Vector512.Sum(s35);
    }
}
