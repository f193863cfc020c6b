using Backprop.Kernels;
using Backprop.Tests.Requirements;

namespace Backprop.Tests.Kernels;

/// <summary>
/// The stride-1 implicit-GEMM convolution path (<see cref="GemmShiftedConv2d"/>, <see cref="GemmShifted"/>,
/// <see cref="GemmRowDot"/>): shapes chosen so that it is really taken, with odd sizes that leave partial micro-tiles
/// in every dimension (channels not multiples of 8 or 4, taps not a multiple of 6, batches not a multiple of 8).
/// The path needs AVX-512; elsewhere the float tests are skipped (the im2col path is covered by Conv2dKernelTests).
/// </summary>
public class GemmShiftedConv2dTests
{
    // (N, Cin, H, W, Cout, kh, kw, pad, dilation)
    public static TheoryData<int, int, int, int, int, int, int, int, int> Shapes => new()
    {
        { 2, 5, 9, 11, 7, 3, 3, 1, 1 },
        { 9, 4, 6, 13, 9, 3, 3, 1, 1 },    // 9 samples: a weight-gradient group of 8 and one of 1
        { 3, 8, 8, 8, 4, 3, 3, 0, 1 },     // no padding
        { 2, 3, 10, 9, 17, 5, 3, 2, 1 },   // non-square kernel, padding 2
        { 1, 6, 12, 9, 5, 3, 3, 2, 2 },    // dilation 2
        { 2, 4, 5, 7, 10, 3, 3, 2, 1 },    // padding as large as the kernel allows
        { 2, 4, 6, 21, 12, 3, 3, 1, 1 },   // rows of 16–32 floats (the vector row copies)
        { 1, 4, 5, 35, 8, 3, 3, 1, 1 },    // rows longer than 32 floats
        { 9, 4, 40, 40, 40, 3, 3, 1, 1 },  // weight-gradient groups split into several L2-sized runs
        { 3, 32, 14, 14, 64, 3, 3, 0, 1 }, // the benchmark CNN's second layer's sizes, unpadded (padded, it takes WinogradConv2d)
    };

    [InstructionSetTheory(GemmIsa.Vector512)]
    [MemberData(nameof(Shapes))]
    public void Float_matches_direct_reference(int n, int cin, int h, int w, int cout, int kh, int kw, int pad, int dil)
    {
        var g = Geometry(n, cin, h, w, cout, kh, kw, pad, dil);
        Assert.True(GemmShiftedConv2d.HandlesForward<float>(g) && GemmShiftedConv2d.HandlesBackwardInput<float>(g));
        Conv2dKernelTests.Check<float>(g, 1e-4);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Double_matches_direct_reference(int n, int cin, int h, int w, int cout, int kh, int kw, int pad, int dil)
    {
        var g = Geometry(n, cin, h, w, cout, kh, kw, pad, dil);
        Assert.False(GemmShiftedConv2d.Handles<double>(g)); // double keeps the im2col path
        Conv2dKernelTests.Check<double>(g, 1e-12);
    }

    [InstructionSetFact(GemmIsa.Vector512)]
    public void Few_taps_use_the_shifted_path_only_for_the_weight_gradient()
    {
        // The benchmark CNN's first layer: 9 taps.
        var g = new Conv2dGeometry(3, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1);
        Assert.True(GemmShiftedConv2d.Handles<float>(g) && !GemmShiftedConv2d.HandlesForward<float>(g));
        Conv2dKernelTests.Check<float>(g, 1e-4);
    }

    [InstructionSetFact(GemmIsa.Vector512)]
    public void Results_are_bit_identical_for_any_thread_count()
    {
        var g = Geometry(11, 6, 13, 12, 9, 3, 3, 1, 1);
        var x = Floats(g.InputLength, 1);
        var wt = Floats(g.WeightLength, 2);
        var b = Floats(g.OutChannels, 3);
        var gy = Floats(g.OutputLength, 4);
        float[][] Run(int threads) => Conv2dKernelTests.AllPasses(g, x, wt, b, gy, threads);
        var one = Run(1);
        foreach (int threads in new[] { 2, 3 })
        {
            var many = Run(threads);
            for (int i = 0; i < one.Length; i++)
                Assert.True(one[i].AsSpan().SequenceEqual(many[i]), $"Output {i} differs between 1 and {threads} threads.");
        }
    }

    [InstructionSetFact(GemmIsa.Vector512)]
    public void Backward_accumulates_when_asked()
    {
        var g = Geometry(3, 5, 7, 9, 6, 3, 3, 1, 1);
        var x = Floats(g.InputLength, 5);
        var wt = Floats(g.WeightLength, 6);
        var gy = Floats(g.OutputLength, 7);
        var gx = new float[g.InputLength];
        var gw = new float[g.WeightLength];
        var gb = new float[g.OutChannels];
        Conv2dKernel.BackwardInput<float>(gy, wt, gx, g);
        Conv2dKernel.BackwardWeight<float>(gy, x, gw, gb, g);
        var gx2 = gx.ToArray(); var gw2 = gw.ToArray(); var gb2 = gb.ToArray();
        Conv2dKernel.BackwardInput<float>(gy, wt, gx2, g, accumulate: true);
        Conv2dKernel.BackwardWeight<float>(gy, x, gw2, gb2, g, accumulate: true);
        // Doubling is exact in binary floating point, so the accumulated results must be exactly twice the first.
        Assert.Equal(gx.Select(v => 2 * v), gx2);
        Assert.Equal(gw.Select(v => 2 * v), gw2);
        Assert.Equal(gb.Select(v => 2 * v), gb2);
    }

    [InstructionSetFact(GemmIsa.Vector512)]
    public void Lower_instruction_sets_fall_back_to_im2col_with_the_same_results()
    {
        var g = Geometry(2, 5, 9, 11, 7, 3, 3, 1, 1);
        var saved = Gemm.Isa;
        try
        {
            Gemm.Isa = GemmIsa.Vector256;
            Assert.False(GemmShiftedConv2d.Handles<float>(g));
            Conv2dKernelTests.Check<float>(g, 1e-4);
        }
        finally
        {
            Gemm.Isa = saved;
        }
    }

    private static Conv2dGeometry Geometry(int n, int cin, int h, int w, int cout, int kh, int kw, int pad, int dil) =>
        new(n, cin, h, w, cout, kh, kw, 1, 1, pad, pad, dil, dil);

    private static float[] Floats(int length, int seed) => Conv2dKernelTests.Random(length, seed).Select(v => (float)v).ToArray();
}
