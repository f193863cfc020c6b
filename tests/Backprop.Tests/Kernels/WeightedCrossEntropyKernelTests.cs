using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

/// <summary>
/// The general cross-entropy rows (class weights, an ignored label, label smoothing, per-row upstream gradients)
/// against a naive reference: log-softmax in double, loss_i = −(1 − ε)·w[y]·logp[y] − ε/C·Σ_c w_c·logp[c] (0 for an
/// ignored row), and its gradient by central differences of the reference itself.
/// </summary>
public class WeightedCrossEntropyKernelTests
{
    private static double[] NaiveLosses(double[] x, int[] labels, double[]? w, int rows, int classes, double eps, int ignore)
    {
        var losses = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            if (labels[i] == ignore) continue;
            double max = double.NegativeInfinity, sum = 0;
            for (int c = 0; c < classes; c++) max = Math.Max(max, x[i * classes + c]);
            for (int c = 0; c < classes; c++) sum += Math.Exp(x[i * classes + c] - max);
            double Logp(int c) => x[i * classes + c] - max - Math.Log(sum);
            double smooth = 0;
            for (int c = 0; c < classes; c++) smooth -= (w?[c] ?? 1) * Logp(c);
            losses[i] = -(1 - eps) * (w?[labels[i]] ?? 1) * Logp(labels[i]) + eps / classes * smooth;
        }
        return losses;
    }

    [Theory]
    [InlineData(0.0, false)]
    [InlineData(0.2, false)]
    [InlineData(0.0, true)]
    [InlineData(0.15, true)]
    public void Rows_and_gradient_match_the_naive_reference(double eps, bool weighted)
    {
        int rows = 6, classes = 5, ignore = -100;
        var x = Conv2dKernelTests.Random(rows * classes, 21).Select(v => 2 * v).ToArray();
        int[] labels = [4, ignore, 0, 2, ignore, 1];
        var w = weighted ? new[] { 0.5, 1.5, 2.0, 0.25, 1.0 } : null;
        var upstream = Conv2dKernelTests.Random(rows, 22);
        var expected = NaiveLosses(x, labels, w, rows, classes, eps, ignore);

        var p = new double[x.Length];
        var losses = new double[rows];
        SoftmaxCrossEntropyKernel.LossRows<double>(x, labels, w, p, losses, rows, classes, eps, ignore);
        for (int i = 0; i < rows; i++) Assert.Equal(expected[i], losses[i], 1e-13);
        Assert.Equal(0.0, losses[1]);

        // d(Σ u_i·loss_i)/dx by central differences of the reference.
        var grad = new double[x.Length];
        SoftmaxCrossEntropyKernel.LossRowsBackward<double>(p, labels, w, upstream, 0, grad, rows, classes, eps, ignore);
        const double h = 1e-6;
        for (int k = 0; k < x.Length; k++)
        {
            double saved = x[k];
            x[k] = saved + h;
            double up = NaiveLosses(x, labels, w, rows, classes, eps, ignore).Select((l, i) => l * upstream[i]).Sum();
            x[k] = saved - h;
            double down = NaiveLosses(x, labels, w, rows, classes, eps, ignore).Select((l, i) => l * upstream[i]).Sum();
            x[k] = saved;
            Assert.Equal((up - down) / (2 * h), grad[k], 1e-8);
        }

        // float32 agrees with the double reference, and one factor for every row equals that many equal row factors.
        var xf = x.Select(v => (float)v).ToArray();
        var wf = w?.Select(v => (float)v).ToArray();
        var pf = new float[x.Length];
        var lf = new double[rows];
        SoftmaxCrossEntropyKernel.LossRows<float>(xf, labels, wf, pf, lf, rows, classes, eps, ignore);
        for (int i = 0; i < rows; i++) Assert.Equal(expected[i], lf[i], 1e-5);
        var uniform = new float[x.Length];
        var perRow = new float[x.Length];
        SoftmaxCrossEntropyKernel.LossRowsBackward<float>(pf, labels, wf, default, 0.5, uniform, rows, classes, eps, ignore);
        SoftmaxCrossEntropyKernel.LossRowsBackward<float>(pf, labels, wf, Enumerable.Repeat(0.5f, rows).ToArray(), 0, perRow, rows, classes, eps, ignore);
        Assert.Equal(uniform, perRow);
    }

    [Fact]
    public void An_ignored_label_may_be_a_real_class_and_other_labels_are_still_checked()
    {
        var x = new double[6];
        var p = new double[6];
        var losses = new double[2];
        SoftmaxCrossEntropyKernel.LossRows<double>(x, [1, 0], default, p, losses, 2, 3, 0, ignoreIndex: 1);
        Assert.Equal([0, Math.Log(3)], losses);
        Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropyKernel.LossRows<double>(x, [1, 3], default, p, losses, 2, 3, 0, ignoreIndex: 1));
        Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropyKernel.LossRows<double>(x, [0, 0], new double[2], p, losses, 2, 3, 0, null));
    }
}
