using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>
/// Float micro-kernel for AVX-512 (Vector512 FMA): 12×32 tile of C.
/// </summary>
internal readonly unsafe struct GemmKernelAvx512Float : IGemmKernel<float>
{
    // 12×32 floats: 24 zmm accumulators + 2 for B + 1 broadcast of A fit the 32 zmm registers.
    // KC=256: the 256×32 float sliver of B (32 KB) stays in the 48 KB L1 while A slivers stream through.
    // MC=240: the 240×256 float block of A (240 KB) stays in the 1 MB L2.
    // NC=2048: the 256×2048 panel of B (2 MB) lives in the shared L3.
    public static int MR => 12;
    public static int NR => 32;
    public static int KC => 256;
    public static int MC => 240;
    public static int NC => 2048;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, bool load)
    {
        Vector512<float> c0a, c0b, c1a, c1b, c2a, c2b, c3a, c3b, c4a, c4b, c5a, c5b, c6a, c6b, c7a, c7b, c8a, c8b, c9a, c9b, c10a, c10b, c11a, c11b;
        if (load)
        {
            c0a = Vector512.Load(c); c0b = Vector512.Load(c + 16);
            c1a = Vector512.Load(c + ldc); c1b = Vector512.Load(c + ldc + 16);
            c2a = Vector512.Load(c + 2 * ldc); c2b = Vector512.Load(c + 2 * ldc + 16);
            c3a = Vector512.Load(c + 3 * ldc); c3b = Vector512.Load(c + 3 * ldc + 16);
            c4a = Vector512.Load(c + 4 * ldc); c4b = Vector512.Load(c + 4 * ldc + 16);
            c5a = Vector512.Load(c + 5 * ldc); c5b = Vector512.Load(c + 5 * ldc + 16);
            c6a = Vector512.Load(c + 6 * ldc); c6b = Vector512.Load(c + 6 * ldc + 16);
            c7a = Vector512.Load(c + 7 * ldc); c7b = Vector512.Load(c + 7 * ldc + 16);
            c8a = Vector512.Load(c + 8 * ldc); c8b = Vector512.Load(c + 8 * ldc + 16);
            c9a = Vector512.Load(c + 9 * ldc); c9b = Vector512.Load(c + 9 * ldc + 16);
            c10a = Vector512.Load(c + 10 * ldc); c10b = Vector512.Load(c + 10 * ldc + 16);
            c11a = Vector512.Load(c + 11 * ldc); c11b = Vector512.Load(c + 11 * ldc + 16);
        }
        else
        {
            c0a = default; c0b = default;
            c1a = default; c1b = default;
            c2a = default; c2b = default;
            c3a = default; c3b = default;
            c4a = default; c4b = default;
            c5a = default; c5b = default;
            c6a = default; c6b = default;
            c7a = default; c7b = default;
            c8a = default; c8b = default;
            c9a = default; c9b = default;
            c10a = default; c10b = default;
            c11a = default; c11b = default;
        }

        // Per step of p: 2 loads of B, then per row of A one broadcast and 2 FMAs into independent
        // accumulators (24 chains hide the 4-cycle FMA latency at two FMAs per cycle).
        for (; kc > 0; kc--)
        {
            Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16);
            Vector512<float> ai;
            ai = Vector512.Create(a[0]);
            c0a = Vector512.FusedMultiplyAdd(ai, b0, c0a); c0b = Vector512.FusedMultiplyAdd(ai, b1, c0b);
            ai = Vector512.Create(a[1]);
            c1a = Vector512.FusedMultiplyAdd(ai, b0, c1a); c1b = Vector512.FusedMultiplyAdd(ai, b1, c1b);
            ai = Vector512.Create(a[2]);
            c2a = Vector512.FusedMultiplyAdd(ai, b0, c2a); c2b = Vector512.FusedMultiplyAdd(ai, b1, c2b);
            ai = Vector512.Create(a[3]);
            c3a = Vector512.FusedMultiplyAdd(ai, b0, c3a); c3b = Vector512.FusedMultiplyAdd(ai, b1, c3b);
            ai = Vector512.Create(a[4]);
            c4a = Vector512.FusedMultiplyAdd(ai, b0, c4a); c4b = Vector512.FusedMultiplyAdd(ai, b1, c4b);
            ai = Vector512.Create(a[5]);
            c5a = Vector512.FusedMultiplyAdd(ai, b0, c5a); c5b = Vector512.FusedMultiplyAdd(ai, b1, c5b);
            ai = Vector512.Create(a[6]);
            c6a = Vector512.FusedMultiplyAdd(ai, b0, c6a); c6b = Vector512.FusedMultiplyAdd(ai, b1, c6b);
            ai = Vector512.Create(a[7]);
            c7a = Vector512.FusedMultiplyAdd(ai, b0, c7a); c7b = Vector512.FusedMultiplyAdd(ai, b1, c7b);
            ai = Vector512.Create(a[8]);
            c8a = Vector512.FusedMultiplyAdd(ai, b0, c8a); c8b = Vector512.FusedMultiplyAdd(ai, b1, c8b);
            ai = Vector512.Create(a[9]);
            c9a = Vector512.FusedMultiplyAdd(ai, b0, c9a); c9b = Vector512.FusedMultiplyAdd(ai, b1, c9b);
            ai = Vector512.Create(a[10]);
            c10a = Vector512.FusedMultiplyAdd(ai, b0, c10a); c10b = Vector512.FusedMultiplyAdd(ai, b1, c10b);
            ai = Vector512.Create(a[11]);
            c11a = Vector512.FusedMultiplyAdd(ai, b0, c11a); c11b = Vector512.FusedMultiplyAdd(ai, b1, c11b);
            a += 12;
            b += 32;
        }

        c0a.Store(c); c0b.Store(c + 16);
        c1a.Store(c + ldc); c1b.Store(c + ldc + 16);
        c2a.Store(c + 2 * ldc); c2b.Store(c + 2 * ldc + 16);
        c3a.Store(c + 3 * ldc); c3b.Store(c + 3 * ldc + 16);
        c4a.Store(c + 4 * ldc); c4b.Store(c + 4 * ldc + 16);
        c5a.Store(c + 5 * ldc); c5b.Store(c + 5 * ldc + 16);
        c6a.Store(c + 6 * ldc); c6b.Store(c + 6 * ldc + 16);
        c7a.Store(c + 7 * ldc); c7b.Store(c + 7 * ldc + 16);
        c8a.Store(c + 8 * ldc); c8b.Store(c + 8 * ldc + 16);
        c9a.Store(c + 9 * ldc); c9b.Store(c + 9 * ldc + 16);
        c10a.Store(c + 10 * ldc); c10b.Store(c + 10 * ldc + 16);
        c11a.Store(c + 11 * ldc); c11b.Store(c + 11 * ldc + 16);
    }
}
