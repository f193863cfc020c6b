using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

/// <summary>
/// The fused batch-norm kernel against a naive reference: the textbook formulas evaluated in double, loop by loop,
/// per channel over the batch and the plane (mean, biased variance, x̂ = (x − mean)/√(var + ε), y = x̂·w + b;
/// dx = (g − mean(g) − x̂·mean(g·x̂))/√(var + ε) with g = dy·w, dw = Σ dy·x̂, db = Σ dy).
/// </summary>
public class BatchNormKernelTests
{
    private static (double[] Y, double[] Variance, double[] Dx, double[] Dw, double[] Db) Naive(double[] x, double[]? w, double[]? b, double[] dy,
        int batch, int channels, int plane, double eps)
    {
        var y = new double[x.Length];
        var dx = new double[x.Length];
        var variance = new double[channels];
        var dw = new double[channels];
        var db = new double[channels];
        int count = batch * plane;
        for (int c = 0; c < channels; c++)
        {
            var at = Enumerable.Range(0, batch).SelectMany(n => Enumerable.Range(0, plane).Select(l => (n * channels + c) * plane + l)).ToArray();
            double mean = at.Sum(i => x[i]) / count;
            variance[c] = at.Sum(i => (x[i] - mean) * (x[i] - mean)) / count;
            double rstd = 1 / Math.Sqrt(variance[c] + eps), weight = w?[c] ?? 1;
            double meanG = at.Sum(i => dy[i] * weight) / count, meanGx = at.Sum(i => dy[i] * weight * (x[i] - mean) * rstd) / count;
            foreach (int i in at)
            {
                double xh = (x[i] - mean) * rstd;
                y[i] = xh * weight + (b?[c] ?? 0);
                dx[i] = (dy[i] * weight - meanG - xh * meanGx) * rstd;
                dw[c] += dy[i] * xh;
                db[c] += dy[i];
            }
        }
        return (y, variance, dx, dw, db);
    }

    private static (T[] Y, T[] Mean, T[] Variance, T[] Rstd, T[] Dx, T[] Dw, T[] Db) Fused<T>(T[] x, T[]? w, T[]? b, T[] dy,
        int batch, int channels, int plane, double eps) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var y = new T[x.Length];
        var (mean, variance, rstd) = (new T[channels], new T[channels], new T[channels]);
        var dx = new T[x.Length];
        var dw = new T[channels];
        var db = new T[channels];
        BatchNormKernel.Forward<T>(x, w, b, y, mean, variance, rstd, batch, channels, plane, eps);
        BatchNormKernel.Backward<T>(x, w, mean, rstd, dy, dx, w is null ? default : dw, b is null ? default : db, batch, channels, plane);
        return (y, mean, variance, rstd, dx, dw, db);
    }

    private static void Close(double[] expected, ReadOnlySpan<double> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])), $"{what}[{i}]: {actual[i]} vs {expected[i]}");
    }

    [Theory]
    [InlineData(4, 3, 25, true)]      // BatchNorm2d planes of 5×5: a vector and a tail per row
    [InlineData(2, 5, 7, false)]      // planes shorter than a vector: the scalar tail only
    [InlineData(3, 2, 64, true)]      // whole vectors
    [InlineData(8, 5, 1, true)]       // BatchNorm1d over [N, C]: the block path, one block
    [InlineData(5, 300, 1, false)]    // three blocks of channels, the last one partial
    [InlineData(1, 3, 2, true)]       // one sample, two values per channel
    public void Double_and_float_match_the_naive_formulas(int batch, int channels, int plane, bool affine)
    {
        int length = batch * channels * plane;
        var x = Conv2dKernelTests.Random(length, 1).Select(v => 3 * v + 0.5).ToArray();
        var w = affine ? Conv2dKernelTests.Random(channels, 2) : null;
        var b = affine ? Conv2dKernelTests.Random(channels, 3) : null;
        var dy = Conv2dKernelTests.Random(length, 4);
        var expected = Naive(x, w, b, dy, batch, channels, plane, 1e-5);

        var d = Fused(x, w, b, dy, batch, channels, plane, 1e-5);
        Close(expected.Y, d.Y, 1e-12, "y");
        Close(expected.Variance, d.Variance, 1e-13, "variance");
        Close(expected.Dx, d.Dx, 1e-11, "dx");
        if (affine)
        {
            Close(expected.Dw, d.Dw, 1e-12, "dw");
            Close(expected.Db, d.Db, 1e-12, "db");
        }

        static float[] F(double[] a) => a.Select(v => (float)v).ToArray();
        static double[] D(float[] a) => a.Select(v => (double)v).ToArray();
        var f = Fused(F(x), w is null ? null : F(w), b is null ? null : F(b), F(dy), batch, channels, plane, 1e-5);
        Close(expected.Y, D(f.Y), 2e-5, "y (float)");
        Close(expected.Dx, D(f.Dx), 1e-4, "dx (float)");
        if (affine)
        {
            Close(expected.Dw, D(f.Dw), 1e-4, "dw (float)");
            Close(expected.Db, D(f.Db), 1e-4, "db (float)");
        }
    }

    [Theory]
    [InlineData(64, 32, 196)]  // a CNN's BatchNorm2d: one channel per work item
    [InlineData(512, 300, 1)]  // BatchNorm1d after a linear layer: blocks of channels
    public void Results_are_bit_identical_for_one_two_and_three_threads(int batch, int channels, int plane)
    {
        int length = batch * channels * plane;
        var x = Conv2dKernelTests.Random(length, 5).Select(v => (float)v).ToArray();
        var w = Conv2dKernelTests.Random(channels, 6).Select(v => (float)v).ToArray();
        var b = Conv2dKernelTests.Random(channels, 7).Select(v => (float)v).ToArray();
        var dy = Conv2dKernelTests.Random(length, 8).Select(v => (float)v).ToArray();
        var one = WithThreads.Run(1, () => Fused(x, w, b, dy, batch, channels, plane, 1e-5));
        foreach (int threads in new[] { 2, 3 })
        {
            var other = WithThreads.Run(threads, () => Fused(x, w, b, dy, batch, channels, plane, 1e-5));
            Assert.Equal(one.Y, other.Y);
            Assert.Equal(one.Mean, other.Mean);
            Assert.Equal(one.Rstd, other.Rstd);
            Assert.Equal(one.Dx, other.Dx);
            Assert.Equal(one.Dw, other.Dw);
            Assert.Equal(one.Db, other.Db);
        }
    }

    [Theory]
    [InlineData(49)]  // planes
    [InlineData(1)]   // blocks
    public void A_large_mean_does_not_cancel_the_variance_or_the_gradient(int plane)
    {
        // Channels of 1e4 + small noise: E[x²] − mean² would lose every digit of the variance in float, and
        // Σ dy·x − mean·Σ dy every digit of dweight; Σ(x − mean)² and Σ dy·(x − mean) do not.
        int batch = 16, channels = 2, length = batch * channels * plane;
        var noise = Conv2dKernelTests.Random(length, 9);
        var x = noise.Select(v => (float)(1e4 + v)).ToArray();
        var dy = Conv2dKernelTests.Random(length, 10);
        double[] w = [1.5, -0.5];
        var expected = Naive(x.Select(v => (double)v).ToArray(), w, null, dy, batch, channels, plane, 1e-5);
        var f = Fused(x, w.Select(v => (float)v).ToArray(), null, dy.Select(v => (float)v).ToArray(), batch, channels, plane, 1e-5);
        Close(expected.Y, f.Y.Select(v => (double)v).ToArray(), 2e-3, "y");
        Close(expected.Dw, f.Dw.Select(v => (double)v).ToArray(), 2e-3, "dw");
        Close(expected.Dx, f.Dx.Select(v => (double)v).ToArray(), 2e-2, "dx");
    }
}
