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

    // KC=256: the kc×NR sliver of B (32 KB on AVX-512, 16 KB on AVX2) stays in L1 (48 KB on Zen 5; 32 KB on AVX2
    // parts) while the slivers of A stream through.
    public static int KC => 256;

    // Where that sliver would fill the whole L1 (AVX-512 on Zen 4, 32 KB), A's 12-row sliver stays there instead
    // when C is large (see GemmDriver), as deep as lets it take three quarters of L1 (512 floats, 256 doubles on a
    // 32 KB L1: 24 KB; deeper, C's tiles are loaded and stored less often). On the Zen 4 host: float 2048³ on one
    // thread 100 to 110 GFLOPS (256 deep in both orders: 100 and 107), float64 1024³ 48 to 51.
    private static readonly int s_kcSliverOfA = KC * NR * sizeof(T) >= CpuCaches.L1DataBytes
        ? Math.Max(64, CpuCaches.L1DataBytes * 3 / 4 / (MR * sizeof(T)) / 64 * 64)
        : 0;

    public static int KCSliverOfA => s_kcSliverOfA;

    // MC: the mc×kc block of A, 240 KB on AVX-512 (1 MB L2), 120 KB on AVX2 (256 KB or larger L2), stays in L2
    // (when A's sliver stays in L1, only one sliver of the block is in use at a time, and this sets how much of A
    // is packed at once).
    public static int MC => (Wide ? 240 * 1024 : 120 * 1024) / (KC * sizeof(T));

    // NC: the kc×nc panel of B (2 MB; 4 MB at 512 deep, as fast as 2 MB) lives in the shared L3.
    public static int NC => 2 * 1024 * 1024 / (KC * sizeof(T));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, T* a, nint rs, nint cs, T* b, T* c, nint ldc, T* c0, nint ldc0)
    {
        int w = TSimd.Count;
        TVector c0a = default, c0b = default, c1a = default, c1b = default, c2a = default, c2b = default;
        TVector c3a = default, c3b = default, c4a = default, c4b = default, c5a = default, c5b = default;
        TVector c6a = default, c6b = default, c7a = default, c7b = default, c8a = default, c8b = default;
        TVector c9a = default, c9b = default, c10a = default, c10b = default, c11a = default, c11b = default;
        if (c0 != null)
        {
            c0a = TSimd.Load(c0); c0b = TSimd.Load(c0 + w);
            c1a = TSimd.Load(c0 + ldc0); c1b = TSimd.Load(c0 + ldc0 + w);
            c2a = TSimd.Load(c0 + 2 * ldc0); c2b = TSimd.Load(c0 + 2 * ldc0 + w);
            c3a = TSimd.Load(c0 + 3 * ldc0); c3b = TSimd.Load(c0 + 3 * ldc0 + w);
            c4a = TSimd.Load(c0 + 4 * ldc0); c4b = TSimd.Load(c0 + 4 * ldc0 + w);
            c5a = TSimd.Load(c0 + 5 * ldc0); c5b = TSimd.Load(c0 + 5 * ldc0 + w);
            if (Wide)
            {
                c6a = TSimd.Load(c0 + 6 * ldc0); c6b = TSimd.Load(c0 + 6 * ldc0 + w);
                c7a = TSimd.Load(c0 + 7 * ldc0); c7b = TSimd.Load(c0 + 7 * ldc0 + w);
                c8a = TSimd.Load(c0 + 8 * ldc0); c8b = TSimd.Load(c0 + 8 * ldc0 + w);
                c9a = TSimd.Load(c0 + 9 * ldc0); c9b = TSimd.Load(c0 + 9 * ldc0 + w);
                c10a = TSimd.Load(c0 + 10 * ldc0); c10b = TSimd.Load(c0 + 10 * ldc0 + w);
                c11a = TSimd.Load(c0 + 11 * ldc0); c11b = TSimd.Load(c0 + 11 * ldc0 + w);
            }
        }

        // Rows of A in groups of three: each group's pointer steps by cs, its rows are 0, rs and 2·rs past it, so
        // the 12 addresses need 4 pointers and 2 strides (8 general registers), whatever the layout.
        nint rs2 = rs + rs;
        T* a3 = a + 3 * rs, a6 = a + 6 * rs, a9 = a + 9 * rs;
        // Per step of p: 2 loads of B, then per row of A one broadcast and 2 FMAs into independent accumulators
        // (24 chains on AVX-512, 12 on AVX2, hide the 4-cycle FMA latency at two FMAs per cycle).
        for (; kc > 0; kc--)
        {
            TVector b0 = TSimd.Load(b), b1 = TSimd.Load(b + w), ai;
            ai = TSimd.Broadcast(a[0]);
            c0a = TSimd.Fma(ai, b0, c0a); c0b = TSimd.Fma(ai, b1, c0b);
            ai = TSimd.Broadcast(a[rs]);
            c1a = TSimd.Fma(ai, b0, c1a); c1b = TSimd.Fma(ai, b1, c1b);
            ai = TSimd.Broadcast(a[rs2]);
            c2a = TSimd.Fma(ai, b0, c2a); c2b = TSimd.Fma(ai, b1, c2b);
            ai = TSimd.Broadcast(a3[0]);
            c3a = TSimd.Fma(ai, b0, c3a); c3b = TSimd.Fma(ai, b1, c3b);
            ai = TSimd.Broadcast(a3[rs]);
            c4a = TSimd.Fma(ai, b0, c4a); c4b = TSimd.Fma(ai, b1, c4b);
            ai = TSimd.Broadcast(a3[rs2]);
            c5a = TSimd.Fma(ai, b0, c5a); c5b = TSimd.Fma(ai, b1, c5b);
            if (Wide)
            {
                ai = TSimd.Broadcast(a6[0]);
                c6a = TSimd.Fma(ai, b0, c6a); c6b = TSimd.Fma(ai, b1, c6b);
                ai = TSimd.Broadcast(a6[rs]);
                c7a = TSimd.Fma(ai, b0, c7a); c7b = TSimd.Fma(ai, b1, c7b);
                ai = TSimd.Broadcast(a6[rs2]);
                c8a = TSimd.Fma(ai, b0, c8a); c8b = TSimd.Fma(ai, b1, c8b);
                ai = TSimd.Broadcast(a9[0]);
                c9a = TSimd.Fma(ai, b0, c9a); c9b = TSimd.Fma(ai, b1, c9b);
                ai = TSimd.Broadcast(a9[rs]);
                c10a = TSimd.Fma(ai, b0, c10a); c10b = TSimd.Fma(ai, b1, c10b);
                ai = TSimd.Broadcast(a9[rs2]);
                c11a = TSimd.Fma(ai, b0, c11a); c11b = TSimd.Fma(ai, b1, c11b);
                a6 += cs;
                a9 += cs;
            }
            a += cs;
            a3 += cs;
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

    /// <inheritdoc/>
    /// <remarks>
    /// <see cref="Run"/> for the first <paramref name="rows"/> (1 to 4) rows of a tile only, as the same chains of
    /// fused multiply-adds in order of p (so bit for bit the values the full kernel gives those rows). A's sliver must
    /// have four readable rows (a partial sliver is packed and zero-padded to MR rows); only the first
    /// <paramref name="rows"/> rows of C are loaded and stored. For the last, partial row tile of a C whose height is
    /// not a multiple of MR, such as a batch of 64 (five tiles of 12 and one of 4), where the full kernel would do
    /// three times the work of those rows and go through a scratch tile.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void RunRows4(int kc, T* a, nint rs, nint cs, T* b, T* c, nint ldc, T* c0, nint ldc0, int rows)
    {
        int w = TSimd.Count;
        TVector c0a = default, c0b = default, c1a = default, c1b = default, c2a = default, c2b = default, c3a = default, c3b = default;
        if (c0 != null)
        {
            c0a = TSimd.Load(c0); c0b = TSimd.Load(c0 + w);
            if (rows > 1) { c1a = TSimd.Load(c0 + ldc0); c1b = TSimd.Load(c0 + ldc0 + w); }
            if (rows > 2) { c2a = TSimd.Load(c0 + 2 * ldc0); c2b = TSimd.Load(c0 + 2 * ldc0 + w); }
            if (rows > 3) { c3a = TSimd.Load(c0 + 3 * ldc0); c3b = TSimd.Load(c0 + 3 * ldc0 + w); }
        }
        nint rs2 = rs + rs, rs3 = rs2 + rs;
        for (; kc > 0; kc--)
        {
            TVector b0 = TSimd.Load(b), b1 = TSimd.Load(b + w), ai;
            ai = TSimd.Broadcast(a[0]);
            c0a = TSimd.Fma(ai, b0, c0a); c0b = TSimd.Fma(ai, b1, c0b);
            ai = TSimd.Broadcast(a[rs]);
            c1a = TSimd.Fma(ai, b0, c1a); c1b = TSimd.Fma(ai, b1, c1b);
            ai = TSimd.Broadcast(a[rs2]);
            c2a = TSimd.Fma(ai, b0, c2a); c2b = TSimd.Fma(ai, b1, c2b);
            ai = TSimd.Broadcast(a[rs3]);
            c3a = TSimd.Fma(ai, b0, c3a); c3b = TSimd.Fma(ai, b1, c3b);
            a += cs;
            b += NR;
        }
        TSimd.Store(c0a, c); TSimd.Store(c0b, c + w);
        if (rows > 1) { TSimd.Store(c1a, c + ldc); TSimd.Store(c1b, c + ldc + w); }
        if (rows > 2) { TSimd.Store(c2a, c + 2 * ldc); TSimd.Store(c2b, c + 2 * ldc + w); }
        if (rows > 3) { TSimd.Store(c3a, c + 3 * ldc); TSimd.Store(c3b, c + 3 * ldc + w); }
    }
}
