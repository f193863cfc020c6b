using System.Runtime.Intrinsics.X86;

namespace Backprop.Kernels;

/// <summary>
/// The matrix-product and convolution kernels this process runs on, chosen at start-up from the instruction sets
/// the runtime reports, named so that a slow build shows itself: a NativeAOT binary compiled for a baseline without
/// AVX-512, or a runtime told to disable it, runs the narrower kernels at a fraction of the speed and prints so in
/// <c>backprop bench</c> and <c>train --json</c>.
/// </summary>
public static class KernelSelection
{
    /// <summary>
    /// The GEMM micro-kernels: <c>avx512 (Vector512&lt;float&gt;)</c>, <c>avx2+fma (Vector256&lt;float&gt;)</c>
    /// (<c>Vector256&lt;float&gt;</c> off x86), or <c>scalar</c>. Double products use the same width in doubles.
    /// </summary>
    public static string Gemm => Describe(Kernels.Gemm.Isa);

    /// <summary>
    /// The float convolutions where the AVX-512 kernels run: 3×3 ones of stride 1 and padding 1 by Winograd
    /// (<see cref="WinogradConv2d"/>), other stride-1 ones as an implicit GEMM over a padded copy of each sample
    /// (<see cref="GemmShiftedConv2d"/>); every other one as im2col columns and a GEMM.
    /// </summary>
    public static string Conv2d => Kernels.Gemm.Isa == GemmIsa.Vector512
        ? "winograd F(2x2,3x3) for 3x3 stride 1 pad 1, implicit gemm for other stride 1 (avx512), else im2col + gemm"
        : "im2col + gemm";

    internal static string Describe(GemmIsa isa) => isa switch
    {
        GemmIsa.Vector512 => X86Base.IsSupported ? "avx512 (Vector512<float>)" : "Vector512<float>",
        GemmIsa.Vector256 => X86Base.IsSupported ? "avx2+fma (Vector256<float>)" : "Vector256<float>",
        _ => "scalar",
    };
}
