using Backprop.NN;

namespace Backprop.Tests.NN;

/// <summary>
/// The embedding operator and layer: PyTorch's naming and initialisation, the tied output projection (gradients of
/// both uses add up), determinism for any thread count on the GPT benchmark's shapes, and the out-of-range error.
/// </summary>
public class EmbeddingTests
{
    [Fact]
    public void TheLayerHasOneWeightNamedAsInPyTorchDrawnFromAStandardNormal()
    {
        var layer = new Embedding(200, 50, new Generator(3));
        Assert.Equal(["weight"], layer.StateDict().Select(e => e.Key));
        Assert.Equal([200, 50], layer.Weight.Shape.ToArray());
        // 10,000 N(0, 1) draws: the mean is within 4 standard errors (0.04) of 0, the variance within 0.06 of 1.
        var v = layer.Weight.ToDoubleArray();
        double mean = v.Average(), variance = v.Select(a => (a - mean) * (a - mean)).Average();
        Assert.InRange(mean, -0.04, 0.04);
        Assert.InRange(variance, 0.94, 1.06);
        Assert.Equal(v, new Embedding(200, 50, new Generator(3)).Weight.ToDoubleArray());
    }

    [Fact]
    public void ForwardPicksRowsForIndicesOfAnyShape()
    {
        var layer = new Embedding(4, 2, new Generator(1), DType.Float64);
        var y = layer.Forward(Tensor.FromArray(new[] { 3, 0, 3, 1, 2, 2 }, 2, 1, 3));
        Assert.Equal([2, 1, 3, 2], y.Shape.ToArray());
        var w = layer.Weight.ToDoubleArray();
        Assert.Equal(new[] { w[6], w[7], w[0], w[1], w[6], w[7] }, y.ToDoubleArray().Take(6));
    }

    [Fact]
    public void TiedOutputProjectionAddsBothGradients()
    {
        // Reference: the same computation with the table used through two independent copies; the tied gradient must be
        // the sum of the copies' gradients (the multivariable chain rule).
        var w = Tensor.Normal([83, 16], 0, 1, new Generator(5), DType.Float64);
        var tokens = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => (i * 37) % 83 % 20).ToArray(), 2, 12);
        var upstream = Tensor.Normal([2, 12, 83], 0, 1, new Generator(6), DType.Float64);

        var tied = w.Clone().Detach();
        tied.RequiresGrad = true;
        (Tensor.MatMul(Tensor.Embedding(tokens, tied), tied.T) * upstream).Sum().Backward();

        var (lookup, projection) = (w.Clone().Detach(), w.Clone().Detach());
        lookup.RequiresGrad = projection.RequiresGrad = true;
        (Tensor.MatMul(Tensor.Embedding(tokens, lookup), projection.T) * upstream).Sum().Backward();

        var expected = (lookup.Grad! + projection.Grad!).ToDoubleArray();
        var actual = tied.Grad!.ToDoubleArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 12);
        // And the look-up's share is non-zero only on rows some token used.
        var used = tokens.ToArray<int>().ToHashSet();
        var rows = lookup.Grad!.ToDoubleArray();
        for (int r = 0; r < 83; r++)
            Assert.Equal(used.Contains(r), Enumerable.Range(0, 16).Any(j => rows[r * 16 + j] != 0));
    }

    [Fact]
    public void GradientIsBitIdenticalForAnyThreadCountOnTheGptShapes()
    {
        // 12×64 tokens into an 83×128 table, float32, with heavy repetition (a character vocabulary).
        var g = new Generator(11);
        var tokens = Tensor.FromArray(Enumerable.Range(0, 768).Select(_ => g.NextInt(83)).ToArray(), 12, 64);
        var upstream = Tensor.Normal([12, 64, 128], 0, 1, new Generator(12));
        float[] Run(int threads)
        {
            using var _ = Backprop.Kernels.Parallelism.Limit(threads);
            var w = Tensor.Normal([83, 128], 0, 1, new Generator(13), requiresGrad: true);
            (Tensor.Embedding(tokens, w) * upstream).Sum().Backward();
            return w.Grad!.ToFloatArray();
        }
        var one = Run(1);
        Assert.Equal(one, Run(2));
        Assert.Equal(one, Run(3));
    }

    [Theory]
    [InlineData(83, "index 83 at position [1, 2]")]
    [InlineData(-1, "index -1 at position [1, 2]")]
    public void AnIndexOutOfRangeNamesItsValuePositionAndTheTableSize(int bad, string expected)
    {
        var layer = new Embedding(83, 8, new Generator(1));
        var tokens = Tensor.FromArray(new[] { 0, 1, 2, 3, 4, bad }, 2, 3);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => layer.Forward(tokens));
        Assert.Contains(expected, e.Message);
        Assert.Contains("a table of 83 rows", e.Message);
        Assert.Contains("expected 0 to 82", e.Message);
        Assert.StartsWith("embedding:", e.Message);
    }

    [Fact]
    public void FloatIndicesAreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Embedding(Tensor.Zeros(3), Tensor.Zeros(4, 2)));
        Assert.Contains("int32", e.Message);
    }
}
