using Backprop.Datasets;
using Backprop.Data;

namespace Backprop.Tests.Data;

public sealed class DigitsTests
{
    // Class sizes of the embedded CSV, counted independently with: zcat digits.csv.gz | cut -d, -f65 | sort | uniq -c
    private static readonly int[] ClassSizes = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180];

    [Fact]
    public void LoadsAllSamplesScaledToUnitInterval()
    {
        Dataset digits = Digits.Load();
        Assert.Equal(1797, digits.Count);
        Assert.Equal(10, digits.NumClasses);
        Assert.Equal(new[] { 1, 8, 8 }, digits.SampleShape);
        Assert.Equal(ClassSizes, digits.CountPerClass());
        Assert.All(digits.Features, v => Assert.InRange(v, 0f, 1f));
        // The file's first row begins "0,0,5,13,9,1" and ends with label 0.
        Assert.Equal(new[] { 0f, 0f, 5 / 16f, 13 / 16f, 9 / 16f, 1 / 16f }, digits.GetSample(0)[..6].ToArray());
        Assert.Equal(0, digits.Labels[0]);
    }

    [Fact]
    public void SplitIsStratifiedWithDocumentedSizes()
    {
        (Dataset train, Dataset test) = Digits.LoadSplit();
        Assert.Equal(("digits-train", 1438), (train.Name, train.Count));
        Assert.Equal(("digits-test", 359), (test.Name, test.Count));
        // round(0.2 · n), halves up, of each class size above.
        Assert.Equal(new[] { 36, 36, 35, 37, 36, 36, 36, 36, 35, 36 }, test.CountPerClass());
        Assert.Equal(ClassSizes, train.CountPerClass().Zip(test.CountPerClass(), (a, b) => a + b));
    }

    [Fact]
    public void SplitIsDeterministicAndDisjoint()
    {
        (Dataset trainA, Dataset testA) = Digits.LoadSplit();
        (Dataset trainB, Dataset testB) = Digits.LoadSplit();
        Assert.Equal(testA.Features, testB.Features);
        Assert.Equal(trainA.Labels, trainB.Labels);

        // Every sample of the full set lands in exactly one part (samples compared by content).
        Dataset all = Digits.Load();
        var parts = new Dictionary<string, int>();
        foreach (Dataset part in new[] { trainA, testA })
        {
            for (int i = 0; i < part.Count; i++)
            {
                string key = string.Join(",", part.GetSample(i).ToArray()) + ":" + part.Labels[i];
                parts[key] = parts.GetValueOrDefault(key) + 1;
            }
        }
        var whole = new Dictionary<string, int>();
        for (int i = 0; i < all.Count; i++)
        {
            string key = string.Join(",", all.GetSample(i).ToArray()) + ":" + all.Labels[i];
            whole[key] = whole.GetValueOrDefault(key) + 1;
        }
        Assert.Equal(whole.OrderBy(p => p.Key), parts.OrderBy(p => p.Key));
    }
}
