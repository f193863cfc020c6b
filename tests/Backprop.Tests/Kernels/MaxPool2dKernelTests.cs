using System.Numerics;
using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

public class MaxPool2dKernelTests
{
    // (N, C, H, W, kh, kw, stride, pad): the common 2×2/2, odd sizes (a trailing row/column is dropped), overlapping
    // windows (stride < kernel) and padding.
    public static TheoryData<int, int, int, int, int, int, int, int> Shapes => new()
    {
        { 2, 3, 6, 8, 2, 2, 2, 0 },
        { 1, 2, 5, 7, 2, 2, 2, 0 },
        { 2, 2, 5, 37, 2, 2, 2, 0 },     // wide enough for the vectorised 2×2 path plus a scalar tail
        { 3, 1, 5, 7, 3, 3, 1, 1 },
        { 2, 2, 7, 5, 3, 3, 2, 1 },
        { 1, 3, 6, 7, 5, 3, 2, 1 },
        { 2, 1, 5, 5, 1, 1, 1, 0 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_reference(int n, int c, int h, int w, int kh, int kw, int stride, int pad)
    {
        var g = new Pool2dGeometry("max_pool2d", n, c, h, w, kh, kw, stride, stride, pad, pad);
        foreach (var mode in new[] { Values.Distinct, Values.FewLevels, Values.WithNaNs })
        {
            Check<double>(g, mode);
            Check<float>(g, mode);
        }
    }

    /// <summary>Input kinds: all distinct; drawn from {0, 1, 2} (many ties); distinct with some NaNs.</summary>
    public enum Values { Distinct, FewLevels, WithNaNs }

    [Fact]
    public void Ties_go_to_the_first_maximum_in_row_major_window_order()
    {
        // All equal: every window picks its top-left real element; in the padded case that is the clipped corner.
        foreach (var g in new[] { new Pool2dGeometry("max_pool2d", 1, 1, 4, 38, 2, 2, 2, 2), new Pool2dGeometry("max_pool2d", 1, 1, 5, 5, 3, 3, 2, 2, 1, 1) })
        {
            var x = Enumerable.Repeat(1f, g.InputLength).ToArray();
            var y = new float[g.OutputLength];
            var arg = new int[g.OutputLength];
            MaxPool2dKernel.Forward<float>(x, y, arg, g);
            for (int oh = 0; oh < g.OutHeight; oh++)
                for (int ow = 0; ow < g.OutWidth; ow++)
                {
                    int ih = Math.Max(0, oh * g.StrideH - g.PadH), iw = Math.Max(0, ow * g.StrideW - g.PadW);
                    Assert.Equal(ih * g.Width + iw, arg[oh * g.OutWidth + ow]);
                }
        }
        // A later equal maximum does not replace an earlier one: [[1, 3], [3, 3]] → index 1.
        var g2 = new Pool2dGeometry("max_pool2d", 1, 1, 2, 2, 2, 2, 2, 2);
        var arg2 = new int[1];
        MaxPool2dKernel.Forward<double>(new double[] { 1, 3, 3, 3 }, new double[1], arg2, g2);
        Assert.Equal(1, arg2[0]);
    }

    [Fact]
    public void NaN_propagates()
    {
        var g = new Pool2dGeometry("max_pool2d", 1, 1, 2, 4, 2, 2, 2, 2);
        var y = new float[2];
        var arg = new int[2];
        MaxPool2dKernel.Forward<float>(new[] { 1f, float.NaN, 5f, 6f, 9f, 2f, 7f, float.NaN }, y, arg, g);
        Assert.True(float.IsNaN(y[0]) && float.IsNaN(y[1]));
        Assert.Equal(new[] { 1, 7 }, arg);
    }

    [Fact]
    public void Results_are_bit_identical_for_any_thread_count_and_backward_accumulates()
    {
        // 24 samples: enough work for both passes to be split over two threads (4 were run inline).
        var g = new Pool2dGeometry("max_pool2d", 24, 8, 28, 28, 3, 3, 2, 2, 1, 1);
        var x = Conv2dKernelTests.Random(g.InputLength, 21).Select(v => (float)v).ToArray();
        var gy = Conv2dKernelTests.Random(g.OutputLength, 22).Select(v => (float)v).ToArray();
        (float[], int[], float[]) Run(int threads) => WithThreads.Run(threads, () =>
        {
            var y = new float[g.OutputLength];
            var arg = new int[g.OutputLength];
            var gx = new float[g.InputLength];
            MaxPool2dKernel.Forward<float>(x, y, arg, g);
            MaxPool2dKernel.Backward<float>(gy, arg, gx, g);
            return (y, arg, gx);
        });
        var (y1, a1, gx1) = Run(1);
        var (y2, a2, gx2) = Run(2);
        Assert.True(y1.AsSpan().SequenceEqual(y2) && a1.AsSpan().SequenceEqual(a2) && gx1.AsSpan().SequenceEqual(gx2));

        var twice = gx1.ToArray();
        MaxPool2dKernel.Backward<float>(gy, a1, twice, g, accumulate: true);
        // Overlapping windows add several gradients into one input, so doubling is exact only up to rounding.
        Conv2dKernelTests.AssertClose(gx1.Select(v => 2.0 * v).ToArray(), twice.Select(v => (double)v).ToArray(), 1e-6);
    }

    [Fact]
    public void Geometry_validates()
    {
        var g = new Pool2dGeometry("max_pool2d", 64, 32, 28, 28, 2, 2, 2, 2);
        Assert.Equal((14, 14), (g.OutHeight, g.OutWidth));
        Assert.Contains("half", Assert.Throws<ArgumentException>(() => new Pool2dGeometry("max_pool2d", 1, 1, 5, 5, 2, 2, 2, 2, 2, 2)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Pool2dGeometry("max_pool2d", 1, 1, 5, 5, 2, 2, 0, 2));
        Assert.Contains("larger", Assert.Throws<ArgumentException>(() => new Pool2dGeometry("max_pool2d", 1, 1, 2, 5, 3, 3, 1, 1)).Message);
    }

    private static void Check<T>(Pool2dGeometry g, Values mode) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(g.InputLength);
        var values = mode switch
        {
            Values.FewLevels => Enumerable.Range(0, g.InputLength).Select(_ => (double)rng.Next(3)).ToArray(),
            // A shuffled ramp, with every 7th element NaN in the last mode.
            _ => Enumerable.Range(0, g.InputLength).Select(i => mode == Values.WithNaNs && i % 7 == 3 ? double.NaN : i)
                .OrderBy(_ => rng.Next()).ToArray(),
        };
        var x = values.Select(T.CreateTruncating).ToArray();
        var gy = Conv2dKernelTests.Random(g.OutputLength, 5);
        var y = new T[g.OutputLength];
        var arg = new int[g.OutputLength];
        var gx = new T[g.InputLength];
        MaxPool2dKernel.Forward<T>(x, y, arg, g);
        MaxPool2dKernel.Backward<T>(gy.Select(T.CreateTruncating).ToArray(), arg, gx, g);

        // Reference: scan each window of each plane in row-major order; the backward adds gy to the max's input.
        var refGx = new double[g.InputLength];
        int inPlane = g.Height * g.Width, outPlane = g.OutHeight * g.OutWidth;
        for (int plane = 0; plane < g.Batch * g.Channels; plane++)
            for (int oh = 0; oh < g.OutHeight; oh++)
                for (int ow = 0; ow < g.OutWidth; ow++)
                {
                    double best = double.NegativeInfinity;
                    int bestIndex = -1;
                    for (int ki = 0; ki < g.KernelH; ki++)
                        for (int kj = 0; kj < g.KernelW; kj++)
                        {
                            int ih = oh * g.StrideH - g.PadH + ki, iw = ow * g.StrideW - g.PadW + kj;
                            if (ih < 0 || ih >= g.Height || iw < 0 || iw >= g.Width)
                                continue;
                            // The first strictly greater value wins, and the first NaN beats everything.
                            double v = values[plane * inPlane + ih * g.Width + iw];
                            if (bestIndex < 0 || v > best || (double.IsNaN(v) && !double.IsNaN(best)))
                                (best, bestIndex) = (v, ih * g.Width + iw);
                        }
                    int o = plane * outPlane + oh * g.OutWidth + ow;
                    Assert.Equal(best, double.CreateTruncating(y[o]));
                    Assert.Equal(bestIndex, arg[o]);
                    refGx[plane * inPlane + bestIndex] += double.CreateTruncating(T.CreateTruncating(gy[o]));
                }
        Conv2dKernelTests.AssertClose(refGx, gx.Select(double.CreateTruncating).ToArray(), typeof(T) == typeof(float) ? 1e-6 : 1e-15);
    }
}
