using Backprop.Kernels;
using Backprop.Tests.Requirements;

namespace Backprop.Tests.Kernels;

/// <summary>
/// The Winograd F(2×2, 3×3) path (<see cref="WinogradConv2d"/>) for 3×3 stride-1 convolutions with padding 1: the
/// forward, the input gradient and the pooled forward against the direct reference, with odd heights and widths (a last
/// tile half outside), channel counts that are not multiples of a vector or of the micro-kernel's width, tile counts
/// that leave partial micro-tiles, and the shapes it declines. It needs AVX-512; elsewhere these tests are skipped.
/// </summary>
public class WinogradConv2dTests
{
    // (N, Cin, H, W, Cout)
    public static TheoryData<int, int, int, int, int> Shapes => new()
    {
        { 2, 16, 14, 14, 16 },
        { 3, 17, 9, 11, 20 },   // odd plane, channels past a vector, one sliver of 32 partly empty
        { 1, 40, 5, 7, 33 },    // two slivers, 12 tiles: one full micro-tile of rows
        { 2, 24, 1, 3, 18 },    // one row of tiles, each half outside
        { 2, 16, 2, 2, 16 },    // a single tile
        { 3, 32, 14, 14, 64 },  // the benchmark CNN's second layer
    };

    [InstructionSetTheory(GemmIsa.Vector512)]
    [MemberData(nameof(Shapes))]
    public void Forward_and_input_gradient_match_the_direct_reference(int n, int cin, int h, int w, int cout)
    {
        var g = Geometry(n, cin, h, w, cout);
        Assert.True(WinogradConv2d.Handles<float>(g));
        // Within float rounding of the terms: the transforms add and subtract before multiplying.
        Conv2dKernelTests.Check<float>(g, 1e-4);
    }

    // Planes of at least 2×2, so that there is a window to pool.
    public static TheoryData<int, int, int, int, int> PooledShapes => new()
    {
        { 2, 16, 14, 14, 16 }, { 3, 17, 9, 11, 20 }, { 1, 40, 5, 7, 33 }, { 2, 16, 2, 2, 16 }, { 3, 32, 14, 14, 64 },
    };

    [InstructionSetTheory(GemmIsa.Vector512)]
    [MemberData(nameof(PooledShapes))]
    public void The_pooled_forward_is_bit_identical_to_forward_then_pool_then_relu(int n, int cin, int h, int w, int cout)
    {
        var g = Geometry(n, cin, h, w, cout);
        var pool = new Pool2dGeometry("max_pool2d", n, cout, h, w, 2, 2, 2, 2, 0, 0, emptyBatchAllowed: true);
        // Quarter steps make ties in the windows, negatives make windows with no positive element.
        var rng = new Random(cin * 100 + h);
        float[] Steps(int length) => Enumerable.Range(0, length).Select(_ => 0.25f * (rng.Next(9) - 4)).ToArray();
        float[] x = Steps(g.InputLength), wt = Steps(g.WeightLength), b = Steps(cout);
        var y = new float[g.OutputLength];
        var expected = new float[pool.OutputLength];
        var expectedArg = new int[pool.OutputLength];
        Conv2dKernel.Forward<float>(x, wt, b, y, g);
        MaxPool2dKernel.Forward<float>(y, expected, expectedArg, pool);
        new ReluFunction().Invoke<float>(expected, expected);

        var pooled = new float[pool.OutputLength];
        var arg = new int[pool.OutputLength];
        Conv2dKernel.ForwardReluMaxPool2x2<float>(x, wt, b, pooled, arg, g);
        Assert.Equal(expected, pooled);
        Assert.Equal(expectedArg, arg);
    }

    [InstructionSetTheory(GemmIsa.Vector512)]
    [MemberData(nameof(PooledShapes))]
    public void Gradients_from_the_pooled_gradient_are_bit_identical_to_unpooling_first(int n, int cin, int h, int w, int cout)
    {
        var g = Geometry(n, cin, h, w, cout);
        var pool = new Pool2dGeometry("max_pool2d", n, cout, h, w, 2, 2, 2, 2, 0, 0, emptyBatchAllowed: true);
        Assert.True(Conv2dKernel.TakesPooledGradient<float>(g));
        var x = Floats(g.InputLength, 21);
        var wt = Floats(g.WeightLength, 22);
        var y = Floats(g.OutputLength, 23);
        var arg = new int[pool.OutputLength];
        MaxPool2dKernel.Forward<float>(y, new float[pool.OutputLength], arg, pool);
        // Zeros where ReLU's mask would have cut the gradient.
        var pooled = Floats(pool.OutputLength, 24).Select((v, i) => i % 5 == 0 ? 0f : v).ToArray();

        var full = new float[g.OutputLength];
        MaxPool2dKernel.Backward<float>(pooled, arg, full, pool);
        var (gx, gw, gb) = (new float[g.InputLength], new float[g.WeightLength], new float[cout]);
        Conv2dKernel.BackwardInput<float>(full, wt, gx, g);
        Conv2dKernel.BackwardWeight<float>(full, x, gw, gb, g);

        var (gx2, gw2, gb2) = (new float[g.InputLength], new float[g.WeightLength], new float[cout]);
        Conv2dKernel.BackwardFromPooled(pooled, arg, x, wt, gx2, gw2, gb2, g);
        Assert.Equal(gx, gx2);
        Assert.Equal(gw, gw2);
        Assert.Equal(gb, gb2);
    }

    [InstructionSetFact(GemmIsa.Vector512)]
    public void An_arg_max_outside_its_window_is_an_error_not_a_gradient_elsewhere()
    {
        var g = Geometry(2, 16, 6, 6, 20);
        var pool = new Pool2dGeometry("max_pool2d", 2, 20, 6, 6, 2, 2, 2, 2, 0, 0, emptyBatchAllowed: true);
        var arg = new int[pool.OutputLength];
        MaxPool2dKernel.Forward<float>(Floats(g.OutputLength, 31), new float[pool.OutputLength], arg, pool);
        // Sample 1, channel 19, pooled element 4 (window at row 2, column 2): pointed at another window's pixel.
        arg[(1 * 20 + 19) * 9 + 4] = 0;
        var pooled = Floats(pool.OutputLength, 32);
        var (x, wt) = (Floats(g.InputLength, 33), Floats(g.WeightLength, 34));
        var e = Assert.Throws<ArgumentException>(() => Conv2dKernel.BackwardFromPooled(pooled, arg, x, wt,
            new float[g.InputLength], new float[g.WeightLength], new float[20], g));
        Assert.Equal("Arg-max entry 0 of channel 19 is not in the 2×2 window of pooled element 4.", e.Message);
    }

    [InstructionSetFact(GemmIsa.Vector512)]
    public void Results_are_bit_identical_for_any_thread_count()
    {
        var g = Geometry(7, 17, 9, 11, 20);
        var x = Floats(g.InputLength, 1);
        var wt = Floats(g.WeightLength, 2);
        var b = Floats(g.OutChannels, 3);
        var gy = Floats(g.OutputLength, 4);
        var one = Conv2dKernelTests.AllPasses(g, x, wt, b, gy, 1);
        foreach (int threads in new[] { 2, 3 })
        {
            var many = Conv2dKernelTests.AllPasses(g, x, wt, b, gy, threads);
            for (int i = 0; i < one.Length; i++)
                Assert.True(one[i].AsSpan().SequenceEqual(many[i]), $"Output {i} differs between 1 and {threads} threads.");
        }
    }

    [InstructionSetFact(GemmIsa.Vector512)]
    public void The_input_gradient_accumulates_when_asked()
    {
        var g = Geometry(3, 16, 7, 9, 18);
        var wt = Floats(g.WeightLength, 6);
        var gy = Floats(g.OutputLength, 7);
        var gx = new float[g.InputLength];
        Conv2dKernel.BackwardInput<float>(gy, wt, gx, g);
        var gx2 = gx.ToArray();
        Conv2dKernel.BackwardInput<float>(gy, wt, gx2, g, accumulate: true);
        // Doubling is exact in binary floating point.
        Assert.Equal(gx.Select(v => 2 * v), gx2);
    }

    [Fact]
    public void Other_convolutions_keep_the_other_paths()
    {
        var handled = Geometry(2, 16, 8, 8, 16);
        Assert.Equal(Gemm.Isa == GemmIsa.Vector512, WinogradConv2d.Handles<float>(handled));
        Assert.False(WinogradConv2d.Handles<double>(handled));
        Assert.False(WinogradConv2d.Handles<float>(Geometry(2, 15, 8, 8, 16)));  // few input channels
        Assert.False(WinogradConv2d.Handles<float>(Geometry(2, 16, 8, 8, 15)));  // few output channels
        Assert.False(WinogradConv2d.Handles<float>(new Conv2dGeometry(2, 16, 8, 8, 16, 3, 3, 2, 2, 1, 1)));  // stride 2
        Assert.False(WinogradConv2d.Handles<float>(new Conv2dGeometry(2, 16, 8, 8, 16, 3, 3, 1, 1, 0, 0)));  // no padding
        Assert.False(WinogradConv2d.Handles<float>(new Conv2dGeometry(2, 16, 8, 8, 16, 5, 5, 1, 1, 2, 2)));  // 5×5
        Assert.False(WinogradConv2d.Handles<float>(new Conv2dGeometry(2, 16, 8, 8, 16, 3, 3, 1, 1, 1, 1, 2, 2)));  // dilation 2
        Assert.False(WinogradConv2d.Handles<float>(Geometry(1, 256, 56, 56, 256)));  // a sample's scratch past L2
    }

    [InstructionSetFact(GemmIsa.Vector512)]
    public void Lower_instruction_sets_take_the_other_paths_with_results_as_close()
    {
        var g = Geometry(2, 17, 9, 11, 20);
        var saved = Gemm.Isa;
        try
        {
            Gemm.Isa = GemmIsa.Vector256;
            Assert.False(WinogradConv2d.Handles<float>(g));
            Conv2dKernelTests.Check<float>(g, 1e-4);
        }
        finally
        {
            Gemm.Isa = saved;
        }
    }

    private static Conv2dGeometry Geometry(int n, int cin, int h, int w, int cout) => new(n, cin, h, w, cout, 3, 3, 1, 1, 1, 1);

    private static float[] Floats(int length, int seed) => Conv2dKernelTests.Random(length, seed).Select(v => (float)v).ToArray();
}
