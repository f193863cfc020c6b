using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

// The names `bench` and `train --json` print are the kernels the products and convolutions actually take: each
// instruction set up to the best one this machine accelerates is selected in turn (per async flow, see Gemm.Isa),
// and the reported names must follow it.
public sealed class KernelSelectionTests
{
    // A stride-1 3×3 float convolution: the geometry the implicit-GEMM path takes on AVX-512.
    private static readonly Conv2dGeometry Stride1 = new(2, 8, 12, 12, 8, 3, 3, 1, 1, 1, 1, 1, 1);
    // With 16 channels each way and padding 1: the geometry the Winograd path takes.
    private static readonly Conv2dGeometry Winograd3x3 = new(2, 16, 12, 12, 16, 3, 3, 1, 1, 1, 1, 1, 1);

    [Fact]
    public void Reported_names_follow_the_selected_instruction_set()
    {
        var saved = Gemm.Isa;
        try
        {
            foreach (var isa in Enum.GetValues<GemmIsa>().Where(i => i <= saved))
            {
                Gemm.Isa = isa;
                Assert.Equal(isa, Gemm.Isa);
                string expected = isa switch
                {
                    GemmIsa.Vector512 => "Vector512<float>",
                    GemmIsa.Vector256 => "Vector256<float>",
                    _ => "scalar",
                };
                Assert.Contains(expected, KernelSelection.Gemm);
                Assert.Equal(GemmShiftedConv2d.Handles<float>(Stride1), KernelSelection.Conv2d.Contains("implicit gemm", StringComparison.Ordinal));
                Assert.Equal(WinogradConv2d.Handles<float>(Winograd3x3), KernelSelection.Conv2d.StartsWith("winograd", StringComparison.Ordinal));
            }
        }
        finally
        {
            Gemm.Isa = saved;
        }
    }

    [Fact]
    public void The_default_is_the_best_set_the_runtime_accelerates()
    {
        // Read outside any override: what a process starts with.
        string expected = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "Vector512<float>"
            : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "Vector256<float>" : "scalar";
        if (expected == "Vector256<float>" && System.Runtime.Intrinsics.X86.X86Base.IsSupported && !System.Runtime.Intrinsics.X86.Fma.IsSupported)
            expected = "scalar";
        Assert.Contains(expected, KernelSelection.Gemm);
    }
}
