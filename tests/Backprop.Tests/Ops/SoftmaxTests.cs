namespace Backprop.Tests.Ops;

/// <summary>
/// softmax, log-softmax and the fused cross-entropy against the textbook formulas evaluated here in double
/// (softmax_j = e^(x_j − max) / Σ e^(x_k − max)), with hand-computed numbers for the small cases.
/// </summary>
public class SoftmaxTests
{
    private static double[] NaiveSoftmaxRow(double[] row)
    {
        double max = row.Max();
        var e = row.Select(v => Math.Exp(v - max)).ToArray();
        double s = e.Sum();
        return e.Select(v => v / s).ToArray();
    }

    private static void AssertClose(double[] expected, double[] actual, double tol)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }

    [Fact]
    public void SoftmaxOfEqualLogitsIsUniformAndOfZeroOneIsByHand()
    {
        // softmax([0, ln 3]) = [1/4, 3/4] (hand: e^0 = 1, e^ln3 = 3).
        var y = Tensor.FromArray(new[] { 0.0, Math.Log(3) }).Softmax();
        AssertClose([0.25, 0.75], y.ToDoubleArray(), 1e-15);
        AssertClose([0.2, 0.2, 0.2, 0.2, 0.2], Tensor.Full([5], 7.0, DType.Float64).Softmax().ToDoubleArray(), 1e-15);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void RowsSumToOneAndMatchTheFormula(DType dtype)
    {
        var g = new Generator(3);
        var x = Tensor.Randn([4, 6], g, dtype) * 3.0;
        var p = x.Softmax();
        Assert.Equal(dtype, p.DType);
        var values = x.ToDoubleArray();
        var got = p.ToDoubleArray();
        double tol = dtype == DType.Float32 ? 1e-6 : 1e-14;
        for (int r = 0; r < 4; r++)
        {
            var row = got[(r * 6)..(r * 6 + 6)];
            Assert.Equal(1.0, row.Sum(), dtype == DType.Float32 ? 5 : 13);
            AssertClose(NaiveSoftmaxRow(values[(r * 6)..(r * 6 + 6)]), row, tol);
        }
    }

    [Fact]
    public void SoftmaxAlongAxisZeroNormalisesColumns()
    {
        var x = Tensor.FromArray(new[] { 1.0, 2, 3, 4, 5, 6 }, 2, 3);
        var p = x.Softmax(0);
        // Each column [a, a+3]: softmax = [1/(1+e³), e³/(1+e³)] (hand).
        double lo = 1 / (1 + Math.Exp(3));
        AssertClose([lo, lo, lo, 1 - lo, 1 - lo, 1 - lo], p.ToDoubleArray(), 1e-15);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void LargeLogitsDoNotOverflow(DType dtype)
    {
        // softmax is shift-invariant: [1000, 1000 + ln 3] behaves like [0, ln 3] → [1/4, 3/4]; [-1000, -1000] → [½, ½];
        // [1000, -1000]: e^-2000 underflows to 0 → [1, 0]. A naive e^1000 would be inf and give NaN.
        var big = Tensor.FromArray(new[] { 1000, 1000 + Math.Log(3), -1000, -1000, 1000, -1000 }, 3, 2).To(dtype);
        var p = big.Softmax().ToDoubleArray();
        Assert.All(p, v => Assert.True(double.IsFinite(v)));
        // In float32, 1000 + ln 3 rounds to a multiple of 2⁻¹⁴, so the ¼/¾ split holds to about 1e-4.
        AssertClose([0.25, 0.75, 0.5, 0.5, 1, 0], p, dtype == DType.Float32 ? 1e-4 : 1e-12);

        var logP = big.LogSoftmax().ToDoubleArray();
        Assert.All(logP, v => Assert.True(double.IsFinite(v)));
        // log-softmax of [1000, -1000] is [0, -2000] exactly: finite even where softmax underflows.
        AssertClose([Math.Log(0.25), Math.Log(0.75), Math.Log(0.5), Math.Log(0.5), 0, -2000], logP, dtype == DType.Float32 ? 1e-3 : 1e-9);
    }

    [Fact]
    public void LogSoftmaxIsLogOfSoftmax()
    {
        var x = Tensor.Randn([3, 5], new Generator(4), DType.Float64);
        var expected = x.Softmax().ToDoubleArray().Select(v => Math.Log(v)).ToArray();
        AssertClose(expected, x.LogSoftmax().ToDoubleArray(), 1e-13);
    }

    /// <summary>The hand formula: loss = mean over rows of (1 − ε)·(−log p_label) + ε·mean_k(−log p_k).</summary>
    private static double CrossEntropyByFormula(double[] logits, int rows, int classes, int[] labels, double eps)
    {
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            var row = logits[(r * classes)..((r + 1) * classes)];
            var p = NaiveSoftmaxRow(row);
            double nll = -Math.Log(p[labels[r]]);
            double uniform = p.Average(v => -Math.Log(v));
            total += (1 - eps) * nll + eps * uniform;
        }
        return total / rows;
    }

    [Fact]
    public void CrossEntropyWithoutSmoothingByHand()
    {
        // Logits [0, ln 3] with label 1: p = 3/4, loss = −ln ¾ = ln 4 − ln 3 ≈ 0.28768.
        var x = Tensor.FromArray(new[] { 0.0, Math.Log(3) }, 1, 2);
        Assert.Equal(Math.Log(4.0 / 3), x.CrossEntropy([1]).Item(), 14);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    [InlineData(0.3)]
    [InlineData(1.0)]
    public void CrossEntropyWithLabelSmoothingMatchesFormula(double eps)
    {
        var logits = Tensor.Randn([4, 5], new Generator(5), DType.Float64) * 2.0;
        int[] labels = [1, 0, 4, 2];
        double expected = CrossEntropyByFormula(logits.ToDoubleArray(), 4, 5, labels, eps);
        Assert.Equal(expected, logits.CrossEntropy(labels, eps).Item(), 12);
        Assert.Equal(expected, logits.CrossEntropy(Tensor.FromArray(labels), eps).Item(), 12);
        var f32 = logits.To(DType.Float32).CrossEntropy(labels, eps);
        Assert.Equal(DType.Float32, f32.DType);
        Assert.Equal(expected, f32.Item(), 5);
    }

    [Fact]
    public void CrossEntropySmoothingByHandOnTwoClasses()
    {
        // Logits [0, ln 3], label 1, ε = 0.2: −ln p = [ln 4, ln 4 − ln 3];
        // loss = 0.8·(ln 4 − ln 3) + 0.2·(ln 4 + ln 4 − ln 3)/2 = ln 4 − 0.9·ln 3.
        var x = Tensor.FromArray(new[] { 0.0, Math.Log(3) }, 1, 2);
        Assert.Equal(Math.Log(4) - 0.9 * Math.Log(3), x.CrossEntropy([1], 0.2).Item(), 14);
    }

    [Fact]
    public void CrossEntropyIsStableForLargeLogits()
    {
        // [1000, -1000] with label 1: −log p₁ = 2000 exactly (log-sum-exp = 1000); with label 0: 0.
        var x = Tensor.FromArray(new[] { 1000.0, -1000, 1000, -1000 }, 2, 2);
        Assert.Equal(1000.0, x.CrossEntropy([1, 0]).Item(), 9); // (2000 + 0) / 2
        Assert.Equal(1000.0, x.To(DType.Float32).CrossEntropy([1, 0]).Item(), 3);
    }

    [Fact]
    public void CrossEntropyGradientIsSoftmaxMinusOneHotOverBatch()
    {
        // d/dx mean_r CE = (p − onehot)/N; with smoothing the target is (1 − ε)·onehot + ε/K (hand derivation).
        var x = Tensor.FromArray(new[] { 0.0, Math.Log(3), 1, 1 }, 2, 2);
        x.RequiresGrad = true;
        x.CrossEntropy([1, 0], 0.2).Backward();
        // Row 0: p = [¼, ¾], target [0.1, 0.9] → [0.15, −0.15]/2. Row 1: p = [½, ½], target [0.9, 0.1] → [−0.4, 0.4]/2.
        AssertClose([0.075, -0.075, -0.2, 0.2], x.Grad!.ToDoubleArray(), 1e-15);
    }
}
