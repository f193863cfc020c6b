using System.Numerics;
using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

public class Conv2dKernelTests
{
    // (N, Cin, H, W, Cout, kh, kw, stride, pad): odd sizes, 1×1 / 3×3 / 5×3 kernels, strides 1–2, padding 0–2.
    public static TheoryData<int, int, int, int, int, int, int, int, int> Shapes => new()
    {
        { 1, 1, 5, 7, 1, 1, 1, 1, 0 },
        { 2, 3, 5, 7, 2, 1, 1, 1, 0 },   // pointwise fast path
        { 2, 2, 5, 7, 3, 1, 1, 2, 1 },
        { 1, 1, 5, 7, 2, 3, 3, 1, 1 },
        { 3, 2, 5, 7, 4, 3, 3, 1, 0 },
        { 2, 3, 7, 5, 2, 3, 3, 2, 1 },
        { 3, 1, 6, 7, 3, 3, 3, 2, 2 },
        { 2, 2, 5, 7, 3, 5, 3, 1, 2 },
        { 1, 3, 9, 6, 2, 5, 3, 2, 0 },
        { 2, 2, 4, 4, 1, 3, 3, 1, 2 },   // padding as large as the kernel allows: outputs that see only padding
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Double_matches_direct_reference(int n, int cin, int h, int w, int cout, int kh, int kw, int stride, int pad) =>
        Check<double>(new Conv2dGeometry(n, cin, h, w, cout, kh, kw, stride, stride, pad, pad), 1e-12);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float_matches_direct_reference(int n, int cin, int h, int w, int cout, int kh, int kw, int stride, int pad) =>
        Check<float>(new Conv2dGeometry(n, cin, h, w, cout, kh, kw, stride, stride, pad, pad), 2e-5);

    // One input channel, stride 1, rows of at least 16 outputs: the direct kernel (Conv2dSingleChannel) on AVX-512,
    // with 3×3 (its register path) and other kernels, a row of exactly 16, and rows that end in an overlapping vector.
    public static TheoryData<int, int, int, int, int, int, int, int, int> SingleChannelShapes => new()
    {
        { 3, 1, 28, 28, 32, 3, 3, 1, 1 },
        { 2, 1, 5, 16, 3, 3, 3, 1, 1 },
        { 2, 1, 6, 18, 5, 3, 3, 1, 0 },
        { 1, 1, 9, 37, 4, 5, 3, 1, 2 },
        { 2, 1, 4, 35, 2, 1, 1, 1, 0 },
        { 1, 1, 8, 33, 3, 2, 4, 1, 1 },
    };

    [Theory]
    [MemberData(nameof(SingleChannelShapes))]
    public void Single_input_channel_matches_direct_reference(int n, int cin, int h, int w, int cout, int kh, int kw, int stride, int pad)
    {
        var g = new Conv2dGeometry(n, cin, h, w, cout, kh, kw, stride, stride, pad, pad);
        Assert.Equal(System.Runtime.Intrinsics.X86.Avx512F.IsSupported, Conv2dSingleChannel.Handles<float>(g));
        Check<float>(g, 2e-5);
        Check<double>(g, 1e-12);
    }

    [Fact]
    public void Single_input_channel_results_are_bit_identical_for_any_thread_count_and_accumulate()
    {
        var g = new Conv2dGeometry(16, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1);
        var x = Random(g.InputLength, 3).Select(v => (float)v).ToArray();
        var wt = Random(g.WeightLength, 4).Select(v => (float)v).ToArray();
        var b = Random(g.OutChannels, 5).Select(v => (float)v).ToArray();
        var gy = Random(g.OutputLength, 6).Select(v => (float)v).ToArray();
        var one = AllPasses(g, x, wt, b, gy, 1);
        var two = AllPasses(g, x, wt, b, gy, 2);
        for (int i = 0; i < one.Length; i++)
            Assert.True(one[i].AsSpan().SequenceEqual(two[i]), $"Output {i} differs between 1 and 2 threads.");
        var gw = one[2].ToArray();
        var gb = one[3].ToArray();
        Conv2dKernel.BackwardWeight<float>(gy, x, gw, gb, g, accumulate: true);
        AssertClose(one[2].Select(v => 2.0 * v).ToArray(), gw.Select(v => (double)v).ToArray(), 1e-6);
        AssertClose(one[3].Select(v => 2.0 * v).ToArray(), gb.Select(v => (double)v).ToArray(), 1e-6);
    }

    [Fact]
    public void Asymmetric_stride_padding_and_dilation_match_direct_reference()
    {
        Check<double>(new Conv2dGeometry(2, 2, 9, 8, 3, 3, 2, strideH: 2, strideW: 1, padH: 1, padW: 2, dilationH: 2, dilationW: 3), 1e-12);
        Check<float>(new Conv2dGeometry(1, 3, 7, 7, 2, 3, 3, 1, 1, 2, 2, 2, 2), 2e-5);
    }

    [Fact]
    public void Im2col_and_col2im_are_adjoint()
    {
        // <im2col(x), c> = <x, col2im(c)> for every x, c: col2im is exactly the transpose of im2col.
        var g = new Conv2dGeometry(3, 2, 6, 5, 1, 3, 2, strideH: 2, strideW: 1, padH: 1, padW: 1, dilationH: 1, dilationW: 2);
        var x = Random(g.InputLength, 1);
        var c = Random(g.ColumnRows * g.Batch * g.OutPlane, 2);
        var cols = new double[c.Length];
        Im2Col.ImageToColumns<double>(x, cols, g);
        var back = new double[x.Length];
        Im2Col.ColumnsToImage<double>(c, back, g);
        Assert.Equal(Dot(cols, c), Dot(x, back), 1e-10);

        // A sub-range of samples lays out only those samples' columns.
        var part = new double[g.ColumnRows * g.OutPlane];
        Im2Col.ImageToColumns<double>(x, part, g, firstSample: 1, sampleCount: 1);
        int np = g.Batch * g.OutPlane;
        for (int r = 0; r < g.ColumnRows; r++)
            for (int p = 0; p < g.OutPlane; p++)
                Assert.Equal(cols[r * np + g.OutPlane + p], part[r * g.OutPlane + p]);
    }

    [Fact]
    public void Results_are_bit_identical_for_any_thread_count()
    {
        // Large enough that the kernels and the GEMM really split work over threads.
        var g = new Conv2dGeometry(5, 4, 17, 15, 16, 3, 3, 1, 1, 1, 1);
        var x = Random(g.InputLength, 3).Select(v => (float)v).ToArray();
        var wt = Random(g.WeightLength, 4).Select(v => (float)v).ToArray();
        var b = Random(g.OutChannels, 5).Select(v => (float)v).ToArray();
        var gy = Random(g.OutputLength, 6).Select(v => (float)v).ToArray();
        var one = AllPasses(g, x, wt, b, gy, 1);
        var two = AllPasses(g, x, wt, b, gy, 2);
        for (int i = 0; i < one.Length; i++)
            Assert.True(one[i].AsSpan().SequenceEqual(two[i]), $"Output {i} differs between 1 and 2 threads.");
    }

    [Fact]
    public void Backward_accumulates_when_asked()
    {
        var g = new Conv2dGeometry(2, 2, 5, 6, 3, 3, 3, 1, 1, 1, 1);
        var x = Random(g.InputLength, 7);
        var wt = Random(g.WeightLength, 8);
        var gy = Random(g.OutputLength, 9);
        var gx = new double[g.InputLength];
        var gw = new double[g.WeightLength];
        var gb = new double[g.OutChannels];
        Conv2dKernel.BackwardInput<double>(gy, wt, gx, g);
        Conv2dKernel.BackwardWeight<double>(gy, x, gw, gb, g);
        var gx2 = gx.ToArray(); var gw2 = gw.ToArray(); var gb2 = gb.ToArray();
        Conv2dKernel.BackwardInput<double>(gy, wt, gx2, g, accumulate: true);
        Conv2dKernel.BackwardWeight<double>(gy, x, gw2, gb2, g, accumulate: true);
        AssertClose(gx.Select(v => 2 * v).ToArray(), gx2, 1e-12);
        AssertClose(gw.Select(v => 2 * v).ToArray(), gw2, 1e-12);
        AssertClose(gb.Select(v => 2 * v).ToArray(), gb2, 1e-12);
    }

    [Fact]
    public void Geometry_validates_with_clear_messages()
    {
        var g = new Conv2dGeometry(2, 3, 28, 28, 32, 3, 3, 1, 1, 1, 1);
        Assert.Equal((28, 28, 27, 2 * 32 * 784), (g.OutHeight, g.OutWidth, g.ColumnRows, g.OutputLength));
        var g2 = new Conv2dGeometry(1, 1, 7, 5, 1, 3, 3, 2, 2, 0, 0);
        Assert.Equal((3, 2), (g2.OutHeight, g2.OutWidth));

        var big = Assert.Throws<ArgumentException>(() => new Conv2dGeometry(1, 1, 4, 4, 1, 7, 3));
        Assert.Contains("larger than the padded", big.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2dGeometry(1, 0, 4, 4, 1, 3, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2dGeometry(1, 1, 4, 4, 1, 3, 3, strideH: 0));
        Assert.Contains("non-negative", Assert.Throws<ArgumentException>(() => new Conv2dGeometry(1, 1, 4, 4, 1, 3, 3, padH: -1)).Message);

        var wrong = Assert.Throws<ArgumentException>(() =>
            Conv2dKernel.Forward<float>(new float[5], new float[g2.WeightLength], default, new float[g2.OutputLength], g2));
        Assert.Contains("input", wrong.Message);
    }

    internal static void Check<T>(Conv2dGeometry g, double tol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = Random(g.InputLength, 11);
        var wt = Random(g.WeightLength, 12);
        var b = Random(g.OutChannels, 13);
        var gy = Random(g.OutputLength, 14);
        // Round the inputs to T first, so the reference sees exactly what the kernel sees.
        if (typeof(T) == typeof(float))
            foreach (var arr in new[] { x, wt, b, gy })
                for (int i = 0; i < arr.Length; i++)
                    arr[i] = (float)arr[i];

        var y = new T[g.OutputLength];
        var gx = new T[g.InputLength];
        var gw = new T[g.WeightLength];
        var gb = new T[g.OutChannels];
        Conv2dKernel.Forward<T>(Cast<T>(x), Cast<T>(wt), Cast<T>(b), y, g);
        Conv2dKernel.BackwardInput<T>(Cast<T>(gy), Cast<T>(wt), gx, g);
        Conv2dKernel.BackwardWeight<T>(Cast<T>(gy), Cast<T>(x), gw, gb, g);

        var (refY, refGx, refGw, refGb) = Reference(g, x, wt, b, gy);
        AssertClose(refY, ToDouble(y), tol);
        AssertClose(refGx, ToDouble(gx), tol);
        AssertClose(refGw, ToDouble(gw), tol);
        AssertClose(refGb, ToDouble(gb), tol);

        // Without a bias the output is the reference minus the bias.
        Conv2dKernel.Forward<T>(Cast<T>(x), Cast<T>(wt), default, y, g);
        for (int i = 0; i < refY.Length; i++)
            refY[i] -= b[i / g.OutPlane % g.OutChannels];
        AssertClose(refY, ToDouble(y), tol);
    }

    /// <summary>
    /// Direct convolution in double: the plain 7-loop definition. Its backward passes were derived by hand from it:
    /// each product w[co,ci,ki,kj]·x[n,ci,ih,iw] that contributes to y[n,co,oh,ow] sends gy[n,co,oh,ow]·w to gx at
    /// (n,ci,ih,iw) and gy·x to gw at (co,ci,ki,kj); the bias receives gy summed over n, oh, ow.
    /// </summary>
    private static (double[] Y, double[] Gx, double[] Gw, double[] Gb) Reference(Conv2dGeometry g, double[] x, double[] w,
        double[] b, double[] gy)
    {
        var y = new double[g.OutputLength];
        var gx = new double[g.InputLength];
        var gw = new double[g.WeightLength];
        var gb = new double[g.OutChannels];
        for (int n = 0; n < g.Batch; n++)
            for (int co = 0; co < g.OutChannels; co++)
                for (int oh = 0; oh < g.OutHeight; oh++)
                    for (int ow = 0; ow < g.OutWidth; ow++)
                    {
                        int yi = ((n * g.OutChannels + co) * g.OutHeight + oh) * g.OutWidth + ow;
                        double sum = b[co];
                        gb[co] += gy[yi];
                        for (int ci = 0; ci < g.InChannels; ci++)
                            for (int ki = 0; ki < g.KernelH; ki++)
                                for (int kj = 0; kj < g.KernelW; kj++)
                                {
                                    int ih = oh * g.StrideH - g.PadH + ki * g.DilationH;
                                    int iw = ow * g.StrideW - g.PadW + kj * g.DilationW;
                                    if (ih < 0 || ih >= g.Height || iw < 0 || iw >= g.Width)
                                        continue;
                                    int xi = ((n * g.InChannels + ci) * g.Height + ih) * g.Width + iw;
                                    int wi = ((co * g.InChannels + ci) * g.KernelH + ki) * g.KernelW + kj;
                                    sum += w[wi] * x[xi];
                                    gx[xi] += w[wi] * gy[yi];
                                    gw[wi] += x[xi] * gy[yi];
                                }
                        y[yi] = sum;
                    }
        return (y, gx, gw, gb);
    }

    /// <summary>Forward, input gradient and weight/bias gradient with <paramref name="threads"/> threads: [y, gx, gw, gb].</summary>
    internal static float[][] AllPasses(Conv2dGeometry g, float[] x, float[] wt, float[] b, float[] gy, int threads) =>
        WithThreads.Run(threads, () =>
        {
            var y = new float[g.OutputLength];
            var gx = new float[g.InputLength];
            var gw = new float[g.WeightLength];
            var gb = new float[g.OutChannels];
            Conv2dKernel.Forward<float>(x, wt, b, y, g);
            Conv2dKernel.BackwardInput<float>(gy, wt, gx, g);
            Conv2dKernel.BackwardWeight<float>(gy, x, gw, gb, g);
            return new[] { y, gx, gw, gb };
        });

    internal static double[] Random(int length, int seed)
    {
        var rng = new Random(seed);
        var a = new double[length];
        for (int i = 0; i < length; i++)
            a[i] = rng.NextDouble() * 2 - 1;
        return a;
    }

    private static T[] Cast<T>(double[] a) where T : INumberBase<T> => a.Select(T.CreateTruncating).ToArray();

    private static double[] ToDouble<T>(T[] a) where T : INumberBase<T> => a.Select(double.CreateTruncating).ToArray();

    private static double Dot(double[] a, double[] b) => a.Zip(b, (u, v) => u * v).Sum();

    /// <summary>|expected − actual| ≤ tol·(1 + |expected|) elementwise.</summary>
    internal static void AssertClose(double[] expected, double[] actual, double tol)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i]))))
                Assert.Fail($"Element {i}: expected {expected[i]}, got {actual[i]} (tolerance {tol}).");
    }
}
