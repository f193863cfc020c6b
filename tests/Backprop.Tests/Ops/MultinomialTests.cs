namespace Backprop.Tests.Ops;

/// <summary>
/// Multinomial sampling: draws derived by hand from the documented use of the generator (one NextDouble u per sample,
/// the first category whose running sum exceeds u·total), a chi-square test of the frequencies, and misuse.
/// </summary>
public class MultinomialTests
{
    [Fact]
    public void DrawsFollowTheDocumentedUseOfTheGenerator()
    {
        // Weights [1, 0, 2, 1], total 4, running sums 1, 1, 3, 4: u·4 < 1 → 0, < 3 → 2, else 3 (category 1 never).
        var weights = Tensor.FromArray(new[] { 1.0, 0, 2, 1, 0, 0, 5, 0 }, 2, 4);
        var reference = new Generator(42);
        var expected = new int[2 * 6];
        for (int s = 0; s < 6; s++)
        {
            double t = reference.NextDouble() * 4;
            expected[s] = t < 1 ? 0 : t < 3 ? 2 : 3;
        }
        for (int s = 0; s < 6; s++) { reference.NextDouble(); expected[6 + s] = 2; }   // row 1 has one category
        var drawn = weights.Multinomial(6, replacement: true, new Generator(42));
        Assert.Equal([2, 6], drawn.Shape.ToArray());
        Assert.Equal(DType.Int32, drawn.DType);
        Assert.Equal(expected, drawn.ToArray<int>());
    }

    [Fact]
    public void WithoutReplacementTheDrawnWeightIsRemoved()
    {
        // Weights [3, 1]: the first draw picks 0 if u·4 < 3, and the second draw must then be the other category.
        var reference = new Generator(7);
        double u = reference.NextDouble();
        int first = u * 4 < 3 ? 0 : 1;
        var drawn = Tensor.FromArray(new[] { 3.0, 1 }, 2).Multinomial(2, replacement: false, new Generator(7)).ToArray<int>();
        Assert.Equal([first, 1 - first], drawn);
        // Many rows without replacement: every row's samples are distinct and never a zero weight.
        var many = Tensor.FromArray(Enumerable.Range(0, 60).Select(i => i % 6 == 5 ? 0.0 : 1 + i % 4).ToArray(), 10, 6)
            .Multinomial(5, replacement: false, new Generator(1)).ToArray<int>();
        for (int r = 0; r < 10; r++)
        {
            var row = many.Skip(r * 5).Take(5).ToArray();
            Assert.Equal(5, row.Distinct().Count());
            Assert.DoesNotContain(5, row);
        }
    }

    [Fact]
    public void FrequenciesPassAChiSquareTest()
    {
        // 40,000 draws from weights 1:2:3:4 (float32, unnormalised). With 3 degrees of freedom the statistic exceeds
        // 16.27 with probability 0.001 for a correct sampler; the seed is fixed, so the test is deterministic.
        const int n = 40_000;
        var drawn = Tensor.FromArray(new[] { 1f, 2, 3, 4 }, 4).Multinomial(n, replacement: true, new Generator(2026)).ToArray<int>();
        var counts = new double[4];
        foreach (int d in drawn) counts[d]++;
        double chi2 = 0;
        for (int j = 0; j < 4; j++)
        {
            double expected = n * (j + 1) / 10.0;
            chi2 += (counts[j] - expected) * (counts[j] - expected) / expected;
        }
        Assert.True(chi2 < 16.27, $"chi-square {chi2:F2} for counts {string.Join(", ", counts)}");
    }

    [Theory]
    [InlineData(new[] { 1.0, -0.5 }, "weight -0.5 at row 0, category 1")]
    [InlineData(new[] { double.NaN, 1.0 }, "weight NaN at row 0, category 0")]
    [InlineData(new[] { 1.0, double.PositiveInfinity }, "category 1")]
    [InlineData(new[] { 0.0, 0.0 }, "row 0")]
    public void BadWeightsAreNamed(double[] weights, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.FromArray(weights, weights.Length).Multinomial(1, true, new Generator(1)));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("multinomial:", e.Message);
    }

    [Fact]
    public void TooManySamplesWithoutReplacementIsNamed()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.FromArray(new[] { 1.0, 0, 2 }, 3).Multinomial(3, false, new Generator(1)));
        Assert.Contains("only 2 categories of positive weight", e.Message);
    }
}
