using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>
/// Float micro-kernel for AVX2/FMA (Vector256): 6×16 tile of C.
/// </summary>
internal readonly unsafe struct GemmKernelAvx2Float : IGemmKernel<float>
{
    // 6×16 floats: 12 ymm accumulators + 2 for B + 1 broadcast of A fit the 16 ymm registers of AVX2.
    // KC=256: the 256×16 float sliver of B (16 KB) stays in a 32 KB L1 while A slivers stream through.
    // MC=120: the 120×256 float block of A (120 KB) stays in a 256 KB or larger L2.
    // NC=2048: the 256×2048 panel of B (2 MB) lives in L3.
    public static int MR => 6;
    public static int NR => 16;
    public static int KC => 256;
    public static int MC => 120;
    public static int NC => 2048;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, bool load)
    {
        Vector256<float> c0a, c0b, c1a, c1b, c2a, c2b, c3a, c3b, c4a, c4b, c5a, c5b;
        if (load)
        {
            c0a = Vector256.Load(c); c0b = Vector256.Load(c + 8);
            c1a = Vector256.Load(c + ldc); c1b = Vector256.Load(c + ldc + 8);
            c2a = Vector256.Load(c + 2 * ldc); c2b = Vector256.Load(c + 2 * ldc + 8);
            c3a = Vector256.Load(c + 3 * ldc); c3b = Vector256.Load(c + 3 * ldc + 8);
            c4a = Vector256.Load(c + 4 * ldc); c4b = Vector256.Load(c + 4 * ldc + 8);
            c5a = Vector256.Load(c + 5 * ldc); c5b = Vector256.Load(c + 5 * ldc + 8);
        }
        else
        {
            c0a = default; c0b = default;
            c1a = default; c1b = default;
            c2a = default; c2b = default;
            c3a = default; c3b = default;
            c4a = default; c4b = default;
            c5a = default; c5b = default;
        }

        // Per step of p: 2 loads of B, then per row of A one broadcast and 2 FMAs into independent
        // accumulators (12 chains hide the 4-cycle FMA latency at two FMAs per cycle).
        for (; kc > 0; kc--)
        {
            Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8);
            Vector256<float> ai;
            ai = Vector256.Create(a[0]);
            c0a = Vector256.FusedMultiplyAdd(ai, b0, c0a); c0b = Vector256.FusedMultiplyAdd(ai, b1, c0b);
            ai = Vector256.Create(a[1]);
            c1a = Vector256.FusedMultiplyAdd(ai, b0, c1a); c1b = Vector256.FusedMultiplyAdd(ai, b1, c1b);
            ai = Vector256.Create(a[2]);
            c2a = Vector256.FusedMultiplyAdd(ai, b0, c2a); c2b = Vector256.FusedMultiplyAdd(ai, b1, c2b);
            ai = Vector256.Create(a[3]);
            c3a = Vector256.FusedMultiplyAdd(ai, b0, c3a); c3b = Vector256.FusedMultiplyAdd(ai, b1, c3b);
            ai = Vector256.Create(a[4]);
            c4a = Vector256.FusedMultiplyAdd(ai, b0, c4a); c4b = Vector256.FusedMultiplyAdd(ai, b1, c4b);
            ai = Vector256.Create(a[5]);
            c5a = Vector256.FusedMultiplyAdd(ai, b0, c5a); c5b = Vector256.FusedMultiplyAdd(ai, b1, c5b);
            a += 6;
            b += 16;
        }

        c0a.Store(c); c0b.Store(c + 8);
        c1a.Store(c + ldc); c1b.Store(c + ldc + 8);
        c2a.Store(c + 2 * ldc); c2b.Store(c + 2 * ldc + 8);
        c3a.Store(c + 3 * ldc); c3b.Store(c + 3 * ldc + 8);
        c4a.Store(c + 4 * ldc); c4b.Store(c + 4 * ldc + 8);
        c5a.Store(c + 5 * ldc); c5b.Store(c + 5 * ldc + 8);
    }
}
