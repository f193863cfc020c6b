using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>
/// The SIMD micro-kernel for float and double at 512 and 256 bits: a tile of C two vectors wide, 12 rows high on
/// AVX-512 (12×32 floats, 12×16 doubles) and 6 rows on AVX2 (6×16 floats, 6×8 doubles). The JIT specialises it per
/// element and vector type; the row count is a constant of the vector width, so the rows 6 to 11 below are compiled
/// only for the 512-bit kernels.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
/// <typeparam name="TVector"><see cref="Vector512{T}"/> or <see cref="Vector256{T}"/>.</typeparam>
/// <typeparam name="TSimd">The operations on <typeparamref name="TVector"/>.</typeparam>
internal readonly unsafe struct GemmKernelSimd<T, TVector, TSimd> : IGemmKernel<T>
    where T : unmanaged
    where TVector : unmanaged
    where TSimd : IGemmVector<TVector, T>
{
    // Registers: 2·MR accumulators + 2 vectors of B + 1 broadcast of A: 27 of the 32 zmm registers of AVX-512
    // (12 rows), 15 of the 16 ymm registers of AVX2 (6 rows).
    private static bool Wide => sizeof(TVector) == 64;

    public static int MR => Wide ? 12 : 6;
    public static int NR => 2 * TSimd.Count;

    // KC=256: the kc×NR sliver of B (32 KB on AVX-512, 16 KB on AVX2) stays in L1 (48 KB; 32 KB on AVX2 parts)
    // while the slivers of A stream through.
    public static int KC => 256;

    // MC: the mc×kc block of A, 240 KB on AVX-512 (1 MB L2), 120 KB on AVX2 (256 KB or larger L2), stays in L2.
    public static int MC => (Wide ? 240 * 1024 : 120 * 1024) / (KC * sizeof(T));

    // NC: the kc×nc panel of B (2 MB) lives in the shared L3.
    public static int NC => 2 * 1024 * 1024 / (KC * sizeof(T));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, T* a, T* b, T* c, nint ldc, bool load)
    {
        int w = TSimd.Count;
        TVector c0a = default, c0b = default, c1a = default, c1b = default, c2a = default, c2b = default;
        TVector c3a = default, c3b = default, c4a = default, c4b = default, c5a = default, c5b = default;
        TVector c6a = default, c6b = default, c7a = default, c7b = default, c8a = default, c8b = default;
        TVector c9a = default, c9b = default, c10a = default, c10b = default, c11a = default, c11b = default;
        if (load)
        {
            c0a = TSimd.Load(c); c0b = TSimd.Load(c + w);
            c1a = TSimd.Load(c + ldc); c1b = TSimd.Load(c + ldc + w);
            c2a = TSimd.Load(c + 2 * ldc); c2b = TSimd.Load(c + 2 * ldc + w);
            c3a = TSimd.Load(c + 3 * ldc); c3b = TSimd.Load(c + 3 * ldc + w);
            c4a = TSimd.Load(c + 4 * ldc); c4b = TSimd.Load(c + 4 * ldc + w);
            c5a = TSimd.Load(c + 5 * ldc); c5b = TSimd.Load(c + 5 * ldc + w);
            if (Wide)
            {
                c6a = TSimd.Load(c + 6 * ldc); c6b = TSimd.Load(c + 6 * ldc + w);
                c7a = TSimd.Load(c + 7 * ldc); c7b = TSimd.Load(c + 7 * ldc + w);
                c8a = TSimd.Load(c + 8 * ldc); c8b = TSimd.Load(c + 8 * ldc + w);
                c9a = TSimd.Load(c + 9 * ldc); c9b = TSimd.Load(c + 9 * ldc + w);
                c10a = TSimd.Load(c + 10 * ldc); c10b = TSimd.Load(c + 10 * ldc + w);
                c11a = TSimd.Load(c + 11 * ldc); c11b = TSimd.Load(c + 11 * ldc + w);
            }
        }

        // Per step of p: 2 loads of B, then per row of A one broadcast and 2 FMAs into independent accumulators
        // (24 chains on AVX-512, 12 on AVX2, hide the 4-cycle FMA latency at two FMAs per cycle).
        for (; kc > 0; kc--)
        {
            TVector b0 = TSimd.Load(b), b1 = TSimd.Load(b + w), ai;
            ai = TSimd.Broadcast(a[0]);
            c0a = TSimd.Fma(ai, b0, c0a); c0b = TSimd.Fma(ai, b1, c0b);
            ai = TSimd.Broadcast(a[1]);
            c1a = TSimd.Fma(ai, b0, c1a); c1b = TSimd.Fma(ai, b1, c1b);
            ai = TSimd.Broadcast(a[2]);
            c2a = TSimd.Fma(ai, b0, c2a); c2b = TSimd.Fma(ai, b1, c2b);
            ai = TSimd.Broadcast(a[3]);
            c3a = TSimd.Fma(ai, b0, c3a); c3b = TSimd.Fma(ai, b1, c3b);
            ai = TSimd.Broadcast(a[4]);
            c4a = TSimd.Fma(ai, b0, c4a); c4b = TSimd.Fma(ai, b1, c4b);
            ai = TSimd.Broadcast(a[5]);
            c5a = TSimd.Fma(ai, b0, c5a); c5b = TSimd.Fma(ai, b1, c5b);
            if (Wide)
            {
                ai = TSimd.Broadcast(a[6]);
                c6a = TSimd.Fma(ai, b0, c6a); c6b = TSimd.Fma(ai, b1, c6b);
                ai = TSimd.Broadcast(a[7]);
                c7a = TSimd.Fma(ai, b0, c7a); c7b = TSimd.Fma(ai, b1, c7b);
                ai = TSimd.Broadcast(a[8]);
                c8a = TSimd.Fma(ai, b0, c8a); c8b = TSimd.Fma(ai, b1, c8b);
                ai = TSimd.Broadcast(a[9]);
                c9a = TSimd.Fma(ai, b0, c9a); c9b = TSimd.Fma(ai, b1, c9b);
                ai = TSimd.Broadcast(a[10]);
                c10a = TSimd.Fma(ai, b0, c10a); c10b = TSimd.Fma(ai, b1, c10b);
                ai = TSimd.Broadcast(a[11]);
                c11a = TSimd.Fma(ai, b0, c11a); c11b = TSimd.Fma(ai, b1, c11b);
            }
            a += MR;
            b += NR;
        }

        TSimd.Store(c0a, c); TSimd.Store(c0b, c + w);
        TSimd.Store(c1a, c + ldc); TSimd.Store(c1b, c + ldc + w);
        TSimd.Store(c2a, c + 2 * ldc); TSimd.Store(c2b, c + 2 * ldc + w);
        TSimd.Store(c3a, c + 3 * ldc); TSimd.Store(c3b, c + 3 * ldc + w);
        TSimd.Store(c4a, c + 4 * ldc); TSimd.Store(c4b, c + 4 * ldc + w);
        TSimd.Store(c5a, c + 5 * ldc); TSimd.Store(c5b, c + 5 * ldc + w);
        if (Wide)
        {
            TSimd.Store(c6a, c + 6 * ldc); TSimd.Store(c6b, c + 6 * ldc + w);
            TSimd.Store(c7a, c + 7 * ldc); TSimd.Store(c7b, c + 7 * ldc + w);
            TSimd.Store(c8a, c + 8 * ldc); TSimd.Store(c8b, c + 8 * ldc + w);
            TSimd.Store(c9a, c + 9 * ldc); TSimd.Store(c9b, c + 9 * ldc + w);
            TSimd.Store(c10a, c + 10 * ldc); TSimd.Store(c10b, c + 10 * ldc + w);
            TSimd.Store(c11a, c + 11 * ldc); TSimd.Store(c11b, c + 11 * ldc + w);
        }
    }
}
