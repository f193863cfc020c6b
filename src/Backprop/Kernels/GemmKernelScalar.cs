using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Kernels;

/// <summary>
/// Portable micro-kernel for hardware without 256-bit SIMD: a 4×4 tile of C in 16 scalar locals, so each loaded
/// value of A and B is used four times. Plain multiply then add (no software-emulated FMA, which would be slow).
/// </summary>
internal readonly unsafe struct GemmKernelScalar<T> : IGemmKernel<T> where T : unmanaged, INumber<T>
{
    // 4×4 uses 16 of the 16-32 general/scalar FP registers; the blocking mirrors the SIMD kernels in bytes.
    public static int MR => 4;
    public static int NR => 4;
    public static int KC => 256;
    public static int MC => 64;
    public static int NC => 1024;
    public static int KCSliverOfA => 0;

    /// <inheritdoc/>
    /// <remarks>Never called: the driver splits partial tiles into 4-row pieces only for kernels taller than 8 rows.</remarks>
    public static void RunRows4(int kc, T* a, nint rs, nint cs, T* b, T* c, nint ldc, T* c0, nint ldc0, int rows) =>
        throw new InvalidOperationException("internal: the 4-row piece of a kernel that is 4 rows high");

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Run(int kc, T* a, nint rs, nint cs, T* b, T* c, nint ldc, T* c0, nint ldc0)
    {
        T c00 = T.Zero, c01 = T.Zero, c02 = T.Zero, c03 = T.Zero, c10 = T.Zero, c11 = T.Zero, c12 = T.Zero, c13 = T.Zero;
        T c20 = T.Zero, c21 = T.Zero, c22 = T.Zero, c23 = T.Zero, c30 = T.Zero, c31 = T.Zero, c32 = T.Zero, c33 = T.Zero;
        if (c0 != null)
        {
            c00 = c0[0]; c01 = c0[1]; c02 = c0[2]; c03 = c0[3];
            c10 = c0[ldc0]; c11 = c0[ldc0 + 1]; c12 = c0[ldc0 + 2]; c13 = c0[ldc0 + 3];
            c20 = c0[2 * ldc0]; c21 = c0[2 * ldc0 + 1]; c22 = c0[2 * ldc0 + 2]; c23 = c0[2 * ldc0 + 3];
            c30 = c0[3 * ldc0]; c31 = c0[3 * ldc0 + 1]; c32 = c0[3 * ldc0 + 2]; c33 = c0[3 * ldc0 + 3];
        }
        nint rs2 = 2 * rs, rs3 = 3 * rs;
        for (; kc > 0; kc--, a += cs, b += 4)
        {
            T b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3], ai = a[0];
            c00 += ai * b0; c01 += ai * b1; c02 += ai * b2; c03 += ai * b3;
            ai = a[rs];
            c10 += ai * b0; c11 += ai * b1; c12 += ai * b2; c13 += ai * b3;
            ai = a[rs2];
            c20 += ai * b0; c21 += ai * b1; c22 += ai * b2; c23 += ai * b3;
            ai = a[rs3];
            c30 += ai * b0; c31 += ai * b1; c32 += ai * b2; c33 += ai * b3;
        }
        c[0] = c00; c[1] = c01; c[2] = c02; c[3] = c03;
        c[ldc] = c10; c[ldc + 1] = c11; c[ldc + 2] = c12; c[ldc + 3] = c13;
        c[2 * ldc] = c20; c[2 * ldc + 1] = c21; c[2 * ldc + 2] = c22; c[2 * ldc + 3] = c23;
        c[3 * ldc] = c30; c[3 * ldc + 1] = c31; c[3 * ldc + 2] = c32; c[3 * ldc + 3] = c33;
    }
}
