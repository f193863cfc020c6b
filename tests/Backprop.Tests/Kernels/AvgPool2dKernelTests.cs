using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

/// <summary>
/// Average pooling (fixed and adaptive windows) against naive loops written from the definitions, and their
/// independence from the thread count.
/// </summary>
public class AvgPool2dKernelTests
{
    private static double[] Random(int n, ulong seed)
    {
        var g = new Generator(seed);
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = g.NextGaussian();
        return v;
    }

    // Reference forward: each window's sum over the real elements divided by kh·kw (padding counts as zeros).
    private static double[] NaiveForward(double[] x, Pool2dGeometry g)
    {
        var y = new double[g.OutputLength];
        for (int p = 0; p < g.Batch * g.Channels; p++)
            for (int oh = 0; oh < g.OutHeight; oh++)
                for (int ow = 0; ow < g.OutWidth; ow++)
                {
                    double sum = 0;
                    for (int i = 0; i < g.KernelH; i++)
                        for (int j = 0; j < g.KernelW; j++)
                        {
                            int ih = oh * g.StrideH - g.PadH + i, iw = ow * g.StrideW - g.PadW + j;
                            if (ih >= 0 && ih < g.Height && iw >= 0 && iw < g.Width) sum += x[(p * g.Height + ih) * g.Width + iw];
                        }
                    y[(p * g.OutHeight + oh) * g.OutWidth + ow] = sum / (g.KernelH * g.KernelW);
                }
        return y;
    }

    private static double[] NaiveBackward(double[] gy, Pool2dGeometry g)
    {
        var gx = new double[g.InputLength];
        for (int p = 0; p < g.Batch * g.Channels; p++)
            for (int oh = 0; oh < g.OutHeight; oh++)
                for (int ow = 0; ow < g.OutWidth; ow++)
                    for (int i = 0; i < g.KernelH; i++)
                        for (int j = 0; j < g.KernelW; j++)
                        {
                            int ih = oh * g.StrideH - g.PadH + i, iw = ow * g.StrideW - g.PadW + j;
                            if (ih >= 0 && ih < g.Height && iw >= 0 && iw < g.Width)
                                gx[(p * g.Height + ih) * g.Width + iw] += gy[(p * g.OutHeight + oh) * g.OutWidth + ow] / (g.KernelH * g.KernelW);
                        }
        return gx;
    }

    public static TheoryData<int, int, int, int, int, int, int> Shapes => new()
    {
        { 2, 3, 6, 8, 2, 2, 0 },
        { 1, 2, 5, 7, 3, 2, 1 },
        { 2, 1, 7, 5, 3, 1, 1 },
        { 1, 1, 9, 9, 2, 3, 0 },  // stride above the kernel: some elements in no window
        { 1, 2, 4, 4, 4, 1, 2 },
        { 2, 2, 5, 64, 2, 2, 0 },  // wider rows: several vectors per row in the vertical adds
        { 1, 2, 6, 70, 3, 2, 1 },
        { 1, 1, 7, 53, 3, 1, 1 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void AvgPoolMatchesTheNaiveLoops(int n, int c, int h, int w, int k, int stride, int pad)
    {
        var g = new Pool2dGeometry("avg_pool2d", n, c, h, w, k, k, stride, stride, pad, pad, emptyBatchAllowed: true);
        var x = Random(g.InputLength, 1);
        var gy = Random(g.OutputLength, 2);
        var y = new double[g.OutputLength];
        var gx = new double[g.InputLength];
        AvgPool2dKernel.Forward<double>(x, y, g);
        AvgPool2dKernel.Backward<double>(gy, gx, g);
        AssertClose(NaiveForward(x, g), y);
        AssertClose(NaiveBackward(gy, g), gx);
        var yf = new float[g.OutputLength];
        AvgPool2dKernel.Forward<float>(x.Select(v => (float)v).ToArray(), yf, g);
        AssertClose(NaiveForward(x, g), yf.Select(v => (double)v).ToArray(), 1e-5);
    }

    [Theory]
    [InlineData(5, 7, 3, 4)]
    [InlineData(4, 4, 1, 1)]
    [InlineData(3, 3, 5, 4)]   // larger than the input: windows of one element, repeated
    [InlineData(10, 6, 3, 6)]
    public void AdaptiveAvgPoolMatchesTheNaiveLoops(int h, int w, int oh, int ow)
    {
        int planes = 3;
        var x = Random(planes * h * w, 3);
        var gy = Random(planes * oh * ow, 4);
        var y = new double[planes * oh * ow];
        var gx = new double[planes * h * w];
        AdaptiveAvgPool2dKernel.Forward<double>(x, y, planes, h, w, oh, ow);
        AdaptiveAvgPool2dKernel.Backward<double>(gy, gx, planes, h, w, oh, ow);
        // Reference: PyTorch's bounds written out with floating-point floor and ceil.
        var ey = new double[y.Length];
        var egx = new double[gx.Length];
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    int h0 = (int)Math.Floor((double)i * h / oh), h1 = (int)Math.Ceiling((double)(i + 1) * h / oh);
                    int w0 = (int)Math.Floor((double)j * w / ow), w1 = (int)Math.Ceiling((double)(j + 1) * w / ow);
                    int count = (h1 - h0) * (w1 - w0);
                    double sum = 0;
                    for (int a = h0; a < h1; a++)
                        for (int b = w0; b < w1; b++)
                        {
                            sum += x[(p * h + a) * w + b];
                            egx[(p * h + a) * w + b] += gy[(p * oh + i) * ow + j] / count;
                        }
                    ey[(p * oh + i) * ow + j] = sum / count;
                }
        AssertClose(ey, y);
        AssertClose(egx, gx);
    }

    [Fact]
    public void AdaptiveWindowsFollowPyTorchsFormula()
    {
        // 5 rows into 3: [0, 2), [1, 4), [3, 5) — by hand from ⌊i·5/3⌋ and ⌈(i+1)·5/3⌉.
        Assert.Equal([0, 1, 3], Enumerable.Range(0, 3).Select(i => AdaptiveAvgPool2dKernel.Start(i, 5, 3)));
        Assert.Equal([2, 4, 5], Enumerable.Range(0, 3).Select(i => AdaptiveAvgPool2dKernel.End(i, 5, 3)));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(70)]
    public void ResultsAreBitIdenticalForAnyThreadCount(int width)
    {
        var g = new Pool2dGeometry("avg_pool2d", 8, 16, 16, width, 3, 3, 1, 1, 1, 1, emptyBatchAllowed: true);
        var x = Random(g.InputLength, 5).Select(v => (float)v).ToArray();
        (float[], float[], float[]) Run(int threads) => WithThreads.Run(threads, () =>
        {
            var y = new float[g.OutputLength];
            var gx = new float[g.InputLength];
            var ay = new float[8 * 16 * 5 * 5];
            AvgPool2dKernel.Forward<float>(x, y, g);
            AvgPool2dKernel.Backward<float>(y, gx, g);
            AdaptiveAvgPool2dKernel.Forward<float>(x, ay, 8 * 16, 16, width, 5, 5);
            return (y, gx, ay);
        });
        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one.Item1, two.Item1);
        Assert.Equal(one.Item2, two.Item2);
        Assert.Equal(one.Item3, two.Item3);
    }

    [Fact]
    public void BadGeometriesAreRefused()
    {
        Assert.Contains("at most half", Assert.Throws<ArgumentException>(() => new Pool2dGeometry("avg_pool2d", 1, 1, 4, 4, 2, 2, 2, 2, 2, 2, emptyBatchAllowed: true)).Message);
        Assert.Contains("larger than the padded", Assert.Throws<ArgumentException>(() => new Pool2dGeometry("avg_pool2d", 1, 1, 2, 2, 3, 3, 1, 1, emptyBatchAllowed: true)).Message);
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance = 1e-12)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])), $"element {i}: {actual[i]}, expected {expected[i]}");
    }
}
