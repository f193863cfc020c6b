using Backprop.Data;

namespace Backprop.Tests.Data;

public sealed class SyntheticTests
{
    [Fact]
    public void QuadrantLabelsMatchSignsAndPointsKeepTheMargin()
    {
        Dataset data = Synthetic.Quadrants(2000, seed: 5, margin: 0.1f);
        Assert.Equal((2000, 4, 2), (data.Count, data.NumClasses, data.SampleSize));
        for (int i = 0; i < data.Count; i++)
        {
            float x = data.Features[2 * i], y = data.Features[2 * i + 1];
            Assert.InRange(MathF.Abs(x), 0.1f, 1f);
            Assert.InRange(MathF.Abs(y), 0.1f, 1f);
            int expected = (x > 0, y > 0) switch { (true, true) => 0, (false, true) => 1, (false, false) => 2, _ => 3 };
            Assert.Equal(expected, data.Labels[i]);
        }
        Assert.All(data.CountPerClass(), count => Assert.InRange(count, 400, 600));
    }

    [Fact]
    public void SpiralHasBalancedArmsInterleaved()
    {
        Dataset data = Synthetic.Spiral(301, arms: 3, seed: 1, noise: 0f);
        Assert.Equal(new[] { 101, 100, 100 }, data.CountPerClass());
        Assert.Equal(new[] { 0, 1, 2, 0 }, data.Labels[..4]);
        // Without noise every point lies at radius t in (0, 1).
        for (int i = 0; i < data.Count; i++)
        {
            float radius = MathF.Sqrt(data.Features[2 * i] * data.Features[2 * i] + data.Features[2 * i + 1] * data.Features[2 * i + 1]);
            Assert.InRange(radius, 0f, 1f);
        }
    }

    [Fact]
    public void MoonsWithoutNoiseLieOnTheirHalfCircles()
    {
        Dataset data = Synthetic.Moons(100, seed: 2, noise: 0f);
        Assert.Equal(new[] { 50, 50 }, data.CountPerClass());
        for (int i = 0; i < data.Count; i++)
        {
            float x = data.Features[2 * i], y = data.Features[2 * i + 1];
            // Label 0 on the unit circle around (0, 0); label 1 on the unit circle around (1, 0.5).
            (float cx, float cy) = data.Labels[i] == 0 ? (0f, 0f) : (1f, 0.5f);
            Assert.Equal(1f, MathF.Sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy)), 4);
        }
    }

    [Fact]
    public void SameSeedSameDataDifferentSeedDifferentData()
    {
        Assert.Equal(Synthetic.Moons(50, 9).Features, Synthetic.Moons(50, 9).Features);
        Assert.NotEqual(Synthetic.Moons(50, 9).Features, Synthetic.Moons(50, 10).Features);
        Assert.Equal(Synthetic.Spiral(60, 4, 9, 0.1f).Features, Synthetic.Spiral(60, 4, 9, 0.1f).Features);
        Assert.NotEqual(Synthetic.Spiral(60, 4, 9, 0.1f).Features, Synthetic.Spiral(60, 4, 8, 0.1f).Features);
        Assert.Equal(Synthetic.Quadrants(60, 9).Labels, Synthetic.Quadrants(60, 9).Labels);
        Assert.NotEqual(Synthetic.Quadrants(60, 9).Features, Synthetic.Quadrants(60, 8).Features);
    }
}
