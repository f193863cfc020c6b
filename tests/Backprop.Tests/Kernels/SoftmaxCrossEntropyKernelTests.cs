using System.Numerics;
using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

public class SoftmaxCrossEntropyKernelTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    public void Loss_and_gradient_match_reference(double smoothing)
    {
        Check<double>(smoothing, 1e-13);
        Check<float>(smoothing, 1e-5);
    }

    [Fact]
    public void Gradient_is_softmax_minus_onehot_times_upstream_over_n()
    {
        int n = 4, c = 5;
        var x = Conv2dKernelTests.Random(n * c, 31);
        int[] labels = [0, 4, 2, 2];
        var p = new double[n * c];
        var grad = new double[n * c];
        SoftmaxCrossEntropyKernel.Forward<double>(x, labels, p, n, c);
        SoftmaxCrossEntropyKernel.Backward<double>(p, labels, grad, n, c, upstream: 3);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < c; j++)
                Assert.Equal((p[i * c + j] - (j == labels[i] ? 1 : 0)) * 3 / n, grad[i * c + j], 1e-15);

        // Accumulating adds the same gradient again; the output may alias the probabilities.
        SoftmaxCrossEntropyKernel.Backward<double>(p, labels, grad, n, c, upstream: 3, accumulate: true);
        var aliased = p.ToArray();
        SoftmaxCrossEntropyKernel.Backward<double>(aliased, labels, aliased, n, c, upstream: 3);
        for (int i = 0; i < grad.Length; i++)
            Assert.Equal(grad[i], 2 * aliased[i], 1e-15);
    }

    [Fact]
    public void Extreme_logits_are_stable()
    {
        float[] x = [1000, -1000, 0, -1000, 1000, 1000];
        int[] labels = [0, 0];
        var p = new float[6];
        double loss = SoftmaxCrossEntropyKernel.Forward<float>(x, labels, p, 2, 3);
        // Row 0: loss 0, p = onehot; row 1: label at −1000 against two at +1000, loss = 2000 + ln 2.
        Assert.Equal((0 + 2000 + Math.Log(2)) / 2, loss, 1e-9);
        Assert.Equal(new float[] { 1, 0, 0, 0, 0.5f, 0.5f }, p);

        var grad = new float[6];
        SoftmaxCrossEntropyKernel.Backward<float>(p, labels, grad, 2, 3, 1);
        Assert.All(grad, v => Assert.True(float.IsFinite(v)));

        var ls = new float[6];
        SoftmaxCrossEntropyKernel.LogSoftmax<float>(x, ls, 2, 3);
        Assert.Equal(new float[] { 0, -2000, -1000, -2000 - MathF.Log(2), -MathF.Log(2), -MathF.Log(2) }, ls);
        var sm = new double[6];
        SoftmaxCrossEntropyKernel.Softmax<double>(x.Select(v => (double)v).ToArray(), sm, 2, 3);
        Assert.Equal(new double[] { 1, 0, 0, 0, 0.5, 0.5 }, sm);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.2)]
    public void Loss_gradient_matches_central_differences(double smoothing)
    {
        int n = 3, c = 4;
        var x = Conv2dKernelTests.Random(n * c, 41).Select(v => 3 * v).ToArray();
        int[] labels = [3, 0, 1];
        var p = new double[n * c];
        var grad = new double[n * c];
        SoftmaxCrossEntropyKernel.Forward<double>(x, labels, p, n, c, smoothing);
        SoftmaxCrossEntropyKernel.Backward<double>(p, labels, grad, n, c, 1, smoothing);
        const double h = 1e-6;
        for (int i = 0; i < x.Length; i++)
        {
            double saved = x[i];
            x[i] = saved + h;
            double up = SoftmaxCrossEntropyKernel.Forward<double>(x, labels, p, n, c, smoothing);
            x[i] = saved - h;
            double down = SoftmaxCrossEntropyKernel.Forward<double>(x, labels, p, n, c, smoothing);
            x[i] = saved;
            Assert.Equal((up - down) / (2 * h), grad[i], 1e-8);
        }
    }

    [Fact]
    public void Softmax_and_log_softmax_backward_match_central_differences()
    {
        // Objective L = Σ r ⊙ f(x) for a fixed random r; its gradient is the backward applied to dy = r.
        int rows = 3, cols = 5;
        var x = Conv2dKernelTests.Random(rows * cols, 51).Select(v => 4 * v).ToArray();
        var r = Conv2dKernelTests.Random(rows * cols, 52);
        foreach (bool log in new[] { false, true })
        {
            var y = new double[x.Length];
            Apply(x, y);
            var dx = new double[x.Length];
            if (log)
                SoftmaxCrossEntropyKernel.LogSoftmaxBackward<double>(y, r, dx, rows, cols);
            else
                SoftmaxCrossEntropyKernel.SoftmaxBackward<double>(y, r, dx, rows, cols);
            const double h = 1e-6;
            for (int i = 0; i < x.Length; i++)
            {
                double saved = x[i];
                x[i] = saved + h;
                double up = Objective();
                x[i] = saved - h;
                double down = Objective();
                x[i] = saved;
                Assert.Equal((up - down) / (2 * h), dx[i], 1e-8);
            }
            // Accumulating, and aliasing dx with dy, give the same values.
            var acc = dx.ToArray();
            var alias = r.ToArray();
            if (log)
            {
                SoftmaxCrossEntropyKernel.LogSoftmaxBackward<double>(y, r, acc, rows, cols, accumulate: true);
                SoftmaxCrossEntropyKernel.LogSoftmaxBackward<double>(y, alias, alias, rows, cols);
            }
            else
            {
                SoftmaxCrossEntropyKernel.SoftmaxBackward<double>(y, r, acc, rows, cols, accumulate: true);
                SoftmaxCrossEntropyKernel.SoftmaxBackward<double>(y, alias, alias, rows, cols);
            }
            for (int i = 0; i < dx.Length; i++)
            {
                Assert.Equal(2 * dx[i], acc[i], 1e-15);
                Assert.Equal(dx[i], alias[i], 1e-15);
            }

            double Objective()
            {
                var t = new double[x.Length];
                Apply(x, t);
                return t.Zip(r, (a, b) => a * b).Sum();
            }

            void Apply(double[] input, double[] output)
            {
                if (log)
                    SoftmaxCrossEntropyKernel.LogSoftmax<double>(input, output, rows, cols);
                else
                    SoftmaxCrossEntropyKernel.Softmax<double>(input, output, rows, cols);
            }
        }
    }

    [Fact]
    public void Bad_label_names_row_label_and_class_count()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            SoftmaxCrossEntropyKernel.Forward<float>(new float[6], new[] { 1, 3 }, new float[6], 2, 3));
        Assert.Contains("row 1", e.Message);
        Assert.Contains("Label 3", e.Message);
        Assert.Contains("3 classes", e.Message);
        Assert.Throws<ArgumentException>(() =>
            SoftmaxCrossEntropyKernel.Backward<float>(new float[6], new[] { -1, 0 }, new float[6], 2, 3, 1));
    }

    [Fact]
    public void Results_are_bit_identical_for_any_thread_count()
    {
        int rows = 3000, cols = 37;
        var x = Conv2dKernelTests.Random(rows * cols, 61).Select(v => (float)(10 * v)).ToArray();
        var labels = Enumerable.Range(0, rows).Select(i => i * 7 % cols).ToArray();
        (double, float[], float[], float[]) Run(int threads) => WithThreads.Run(threads, () =>
        {
            var p = new float[x.Length];
            double loss = SoftmaxCrossEntropyKernel.Forward<float>(x, labels, p, rows, cols, 0.1);
            var g = new float[x.Length];
            SoftmaxCrossEntropyKernel.Backward<float>(p, labels, g, rows, cols, 1, 0.1);
            var ls = new float[x.Length];
            SoftmaxCrossEntropyKernel.LogSoftmax<float>(x, ls, rows, cols);
            return (loss, p, g, ls);
        });
        var a = Run(1);
        var b = Run(2);
        Assert.Equal(a.Item1, b.Item1);
        Assert.True(a.Item2.AsSpan().SequenceEqual(b.Item2) && a.Item3.AsSpan().SequenceEqual(b.Item3) && a.Item4.AsSpan().SequenceEqual(b.Item4));
    }

    private static void Check<T>(double smoothing, double tol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = 3, c = 7;
        var xd = Conv2dKernelTests.Random(n * c, 71).Select(v => double.CreateTruncating(T.CreateTruncating(5 * v))).ToArray();
        int[] labels = [6, 0, 3];
        var x = xd.Select(T.CreateTruncating).ToArray();
        var p = new T[n * c];
        var g = new T[n * c];
        double loss = SoftmaxCrossEntropyKernel.Forward<T>(x, labels, p, n, c, smoothing);
        SoftmaxCrossEntropyKernel.Backward<T>(p, labels, g, n, c, 2, smoothing);

        // Reference in double: softmax, loss = −Σ target·log softmax, gradient = (softmax − target)·upstream/N.
        double refLoss = 0;
        for (int i = 0; i < n; i++)
        {
            double max = xd.Skip(i * c).Take(c).Max();
            double sum = xd.Skip(i * c).Take(c).Sum(v => Math.Exp(v - max));
            for (int j = 0; j < c; j++)
            {
                double prob = Math.Exp(xd[i * c + j] - max) / sum;
                double target = (j == labels[i] ? 1 - smoothing : 0) + smoothing / c;
                refLoss -= target * Math.Log(prob) / n;
                Assert.Equal(prob, double.CreateTruncating(p[i * c + j]), tol);
                Assert.Equal((prob - target) * 2 / n, double.CreateTruncating(g[i * c + j]), tol);
            }
        }
        Assert.Equal(refLoss, loss, tol * 10);
    }
}
