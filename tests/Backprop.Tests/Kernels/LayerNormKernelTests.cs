using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

/// <summary>
/// The fused layer-norm kernel against a naive reference: the textbook formulas evaluated in double, loop by loop
/// (mean, biased variance, x̂ = (x − mean)/√(var + ε), y = x̂·w + b; dx = (g − mean(g) − x̂·mean(g·x̂))/√(var + ε) with
/// g = dy·w, dw = Σ dy·x̂, db = Σ dy).
/// </summary>
public class LayerNormKernelTests
{
    private static (double[] Y, double[] Dx, double[] Dw, double[] Db) Naive(double[] x, double[]? w, double[]? b, double[] dy, int rows, int cols, double eps)
    {
        var y = new double[x.Length];
        var dx = new double[x.Length];
        var dw = new double[cols];
        var db = new double[cols];
        for (int r = 0; r < rows; r++)
        {
            double mean = 0, variance = 0;
            for (int c = 0; c < cols; c++) mean += x[r * cols + c];
            mean /= cols;
            for (int c = 0; c < cols; c++) variance += (x[r * cols + c] - mean) * (x[r * cols + c] - mean);
            variance /= cols;
            double rstd = 1 / Math.Sqrt(variance + eps);
            var xh = new double[cols];
            var g = new double[cols];
            double meanG = 0, meanGx = 0;
            for (int c = 0; c < cols; c++)
            {
                xh[c] = (x[r * cols + c] - mean) * rstd;
                y[r * cols + c] = xh[c] * (w?[c] ?? 1) + (b?[c] ?? 0);
                g[c] = dy[r * cols + c] * (w?[c] ?? 1);
                meanG += g[c] / cols;
                meanGx += g[c] * xh[c] / cols;
                dw[c] += dy[r * cols + c] * xh[c];
                db[c] += dy[r * cols + c];
            }
            for (int c = 0; c < cols; c++) dx[r * cols + c] = (g[c] - meanG - xh[c] * meanGx) * rstd;
        }
        return (y, dx, dw, db);
    }

    private static (T[] Y, T[] Mean, T[] Rstd, T[] Dx, T[] Dw, T[] Db) Fused<T>(T[] x, T[]? w, T[]? b, T[] dy, int rows, int cols, double eps)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var y = new T[x.Length];
        var mean = new T[rows];
        var rstd = new T[rows];
        var dx = new T[x.Length];
        var dw = new T[cols];
        var db = new T[cols];
        LayerNormKernel.Forward<T>(x, w, b, y, mean, rstd, rows, cols, eps);
        LayerNormKernel.Backward<T>(x, w, mean, rstd, dy, dx, w is null ? default : dw, b is null ? default : db, rows, cols);
        return (y, mean, rstd, dx, dw, db);
    }

    private static void Close(double[] expected, ReadOnlySpan<double> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])), $"{what}[{i}]: {actual[i]} vs {expected[i]}");
    }

    [Theory]
    [InlineData(5, 7, true, true)]      // a row shorter than a vector: the scalar tail only
    [InlineData(70, 128, true, false)]  // GPT's rows, more than two chunks, weight only
    [InlineData(33, 50, false, false)]  // vectors plus a tail, no affine
    [InlineData(3, 1, true, true)]      // one column: x̂ = 0
    public void Double_and_float_match_the_naive_formulas(int rows, int cols, bool weight, bool bias)
    {
        var x = Conv2dKernelTests.Random(rows * cols, 1).Select(v => 3 * v + 0.5).ToArray();
        var w = weight ? Conv2dKernelTests.Random(cols, 2) : null;
        var b = bias ? Conv2dKernelTests.Random(cols, 3) : null;
        var dy = Conv2dKernelTests.Random(rows * cols, 4);
        var expected = Naive(x, w, b, dy, rows, cols, 1e-5);

        var d = Fused(x, w, b, dy, rows, cols, 1e-5);
        Close(expected.Y, d.Y, 1e-13, "y");
        Close(expected.Dx, d.Dx, 1e-12, "dx");
        if (weight) Close(expected.Dw, d.Dw, 1e-12, "dw");
        if (bias) Close(expected.Db, d.Db, 1e-12, "db");

        static float[] F(double[] a) => a.Select(v => (float)v).ToArray();
        static double[] D(float[] a) => a.Select(v => (double)v).ToArray();
        var f = Fused(F(x), w is null ? null : F(w), b is null ? null : F(b), F(dy), rows, cols, 1e-5);
        Close(expected.Y, D(f.Y), 2e-5, "y (float)");
        Close(expected.Dx, D(f.Dx), 1e-4, "dx (float)");
        if (weight) Close(expected.Dw, D(f.Dw), 1e-4, "dw (float)");
        if (bias) Close(expected.Db, D(f.Db), 1e-4, "db (float)");
    }

    [Fact]
    public void A_constant_row_normalises_to_zero_and_keeps_finite_gradients()
    {
        // var = 0, so rstd = 1/√ε and x̂ = 0: y = b, and dx = (g − mean g)/√ε by the formula (hand derivation).
        double[] x = [2, 2, 2, 2], w = [1, 2, 3, 4], b = [0.5, 0, 0, -0.5], dy = [1, 0, 0, 0];
        var r = Fused(x, w, b, dy, 1, 4, 1e-5);
        Assert.Equal(b, r.Y);
        double meanG = 1.0 / 4;
        Close([(1 - meanG) / Math.Sqrt(1e-5), -meanG / Math.Sqrt(1e-5), -meanG / Math.Sqrt(1e-5), -meanG / Math.Sqrt(1e-5)], r.Dx, 1e-12, "dx");
        Assert.Equal([0, 0, 0, 0], r.Dw);
    }

    [Fact]
    public void Results_are_bit_identical_for_one_and_two_threads()
    {
        // GPT's layer norm: 12·64 rows of 128, split over threads; dw and db are sums over all rows.
        int rows = 768, cols = 128;
        var x = Conv2dKernelTests.Random(rows * cols, 5).Select(v => (float)v).ToArray();
        var w = Conv2dKernelTests.Random(cols, 6).Select(v => (float)v).ToArray();
        var b = Conv2dKernelTests.Random(cols, 7).Select(v => (float)v).ToArray();
        var dy = Conv2dKernelTests.Random(rows * cols, 8).Select(v => (float)v).ToArray();
        var one = WithThreads.Run(1, () => Fused(x, w, b, dy, rows, cols, 1e-5));
        var two = WithThreads.Run(2, () => Fused(x, w, b, dy, rows, cols, 1e-5));
        Assert.Equal(one.Y, two.Y);
        Assert.Equal(one.Dx, two.Dx);
        Assert.Equal(one.Dw, two.Dw);
        Assert.Equal(one.Db, two.Db);
        Assert.Equal(one.Rstd, two.Rstd);
    }

    [Fact]
    public void A_large_mean_does_not_cancel_the_variance()
    {
        // Rows of 1e4 + small noise: E[x²] − mean² would lose every digit of the variance in float; Σ(x − mean)² does not.
        int cols = 64;
        var noise = Conv2dKernelTests.Random(cols, 9);
        var x = noise.Select(v => (float)(1e4 + v)).ToArray();
        var expected = Naive(x.Select(v => (double)v).ToArray(), null, null, new double[cols], 1, cols, 1e-5);
        var f = Fused(x, null, null, new float[cols], 1, cols, 1e-5);
        Close(expected.Y, f.Y.Select(v => (double)v).ToArray(), 2e-3, "y");
    }
}
