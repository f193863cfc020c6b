using Backprop.Data;

namespace Backprop.Tests.Data;

public sealed class DatasetTests
{
    /// <summary>n samples of shape [2]: sample i is (i, −i), label i mod classes.</summary>
    private static Dataset Numbered(int n, int classes)
    {
        var features = new float[2 * n];
        for (int i = 0; i < n; i++)
        {
            (features[2 * i], features[2 * i + 1]) = (i, -i);
        }
        return new Dataset("numbered", features, Enumerable.Range(0, n).Select(i => i % classes).ToArray(), [2], classes);
    }

    [Fact]
    public void LabelOutOfRangeNamesTheRow()
    {
        var error = Assert.Throws<ArgumentException>(() => new Dataset("d", new float[6], [0, 1, 3], [2], 3));
        Assert.Contains("row 2", error.Message);
        Assert.Contains("is 3, outside [0, 3)", error.Message);
    }

    [Fact]
    public void FeatureCountMustMatchShape()
    {
        var error = Assert.Throws<ArgumentException>(() => new Dataset("d", new float[5], [0, 1], [1, 3], 2));
        Assert.Contains("need 6 feature values, but 5 were given", error.Message);
    }

    [Fact]
    public void SubsetCopiesSelectedRowsInOrder()
    {
        Dataset data = Numbered(5, 2);
        Dataset subset = data.Subset([4, 1, 4], "picked");
        Assert.Equal("picked", subset.Name);
        Assert.Equal(new[] { 4f, -4f, 1f, -1f, 4f, -4f }, subset.Features);
        Assert.Equal(new[] { 0, 1, 0 }, subset.Labels);
        subset.Features[0] = 99;
        Assert.Equal(4f, data.Features[8]);
    }

    [Fact]
    public void StratifiedSplitKeepsClassProportionsAndCoversEverySampleOnce()
    {
        Dataset data = Numbered(1000, 4);
        (Dataset train, Dataset test) = data.StratifiedSplit(0.25, seed: 7);
        // Each class has 250 samples; 250 · 0.25 = 62.5, and halves round up.
        Assert.Equal(new[] { 63, 63, 63, 63 }, test.CountPerClass());
        Assert.Equal(new[] { 187, 187, 187, 187 }, train.CountPerClass());
        var seen = train.Features.Where((_, i) => i % 2 == 0).Concat(test.Features.Where((_, i) => i % 2 == 0)).Order();
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (float)i), seen);
    }

    [Fact]
    public void StratifiedSplitDependsOnlyOnTheSeed()
    {
        Dataset data = Numbered(200, 3);
        (_, Dataset testA) = data.StratifiedSplit(0.2, seed: 1);
        (_, Dataset testB) = data.StratifiedSplit(0.2, seed: 1);
        (_, Dataset testC) = data.StratifiedSplit(0.2, seed: 2);
        Assert.Equal(testA.Features, testB.Features);
        Assert.NotEqual(testA.Features, testC.Features);
        // Row order is kept: the test part is ascending in the original numbering.
        float[] firsts = testA.Features.Where((_, i) => i % 2 == 0).ToArray();
        Assert.Equal(firsts.Order(), firsts);
    }

    [Fact]
    public void SplitPerClassTakesExactlyThatMany()
    {
        (Dataset train, Dataset test) = Numbered(30, 3).StratifiedSplitPerClass(4, seed: 3);
        Assert.Equal(new[] { 4, 4, 4 }, test.CountPerClass());
        Assert.Equal(new[] { 6, 6, 6 }, train.CountPerClass());
        Assert.Throws<ArgumentException>(() => Numbered(30, 3).StratifiedSplitPerClass(11, seed: 3));
    }

    [Fact]
    public void ScaledMultipliesWithoutChangingTheOriginal()
    {
        Dataset data = Numbered(2, 2);
        Assert.Equal(new[] { 0f, -0f, 0.5f, -0.5f }, data.Scaled(0.5f).Features);
        Assert.Equal(1f, data.Features[2]);
    }

    [Fact]
    public void FlattenedSharesArraysWithOneDimensionalShape()
    {
        var data = new Dataset("img", new float[2 * 12], [0, 1], [3, 2, 2], 2);
        Dataset flat = data.Flattened();
        Assert.Equal(new[] { 12 }, flat.SampleShape);
        Assert.Same(data.Features, flat.Features);
    }

    [Fact]
    public void GlobalStandardizationFittedOnTrainingIsAppliedToOtherData()
    {
        // Training values 1, 3, 5, 7: mean 4, population variance (9 + 1 + 1 + 9) / 4 = 5.
        var train = new Dataset("train", [1, 3, 5, 7], [0, 0], [2], 1);
        var test = new Dataset("test", [4, 9], [0], [2], 1);
        var standardization = Standardization.Fit(train);
        Assert.All(standardization.Mean, m => Assert.Equal(4f, m));
        Assert.All(standardization.StandardDeviation, s => Assert.Equal(MathF.Sqrt(5), s, 6));

        Dataset standardized = test.Standardized(standardization);
        Assert.Equal(0f, standardized.Features[0], 6);
        Assert.Equal(5 / MathF.Sqrt(5), standardized.Features[1], 5);
        Assert.Equal(new[] { 4f, 9f }, test.Features);
    }

    [Fact]
    public void PerFeatureStandardizationTreatsConstantFeaturesAsUnitDeviation()
    {
        // Feature 0 is always 2 (std 0 → 1); feature 1 is 0 and 10 (mean 5, std 5).
        var train = new Dataset("train", [2, 0, 2, 10], [0, 0], [2], 1);
        var standardization = Standardization.Fit(train, StandardizationScope.PerFeature);
        Assert.Equal(new[] { 2f, 5f }, standardization.Mean);
        Assert.Equal(new[] { 1f, 5f }, standardization.StandardDeviation);

        Span<float> sample = [3f, 15f];
        standardization.ApplyInPlace(sample);
        Assert.Equal(new[] { 1f, 2f }, sample.ToArray());
    }

    [Fact]
    public void PerChannelStandardizationPoolsEachChannel()
    {
        // Two channels of two pixels: channel 0 values 0, 2, 0, 2 (mean 1, std 1); channel 1 all 4.
        var train = new Dataset("train", [0, 2, 4, 4, 2, 0, 4, 4], [0, 0], [2, 1, 2], 1);
        var standardization = Standardization.Fit(train, StandardizationScope.PerChannel);
        Assert.Equal(new[] { 1f, 1f, 4f, 4f }, standardization.Mean);
        Assert.Equal(new[] { 1f, 1f, 1f, 1f }, standardization.StandardDeviation);
    }

    [Fact]
    public void StandardizationRejectsDataOfAnotherSampleSize()
    {
        var standardization = Standardization.Fit(new Dataset("a", [1, 2], [0], [2], 1));
        Assert.Throws<ArgumentException>(() => standardization.Apply(new Dataset("b", [1, 2, 3], [0], [3], 1)));
    }
}
