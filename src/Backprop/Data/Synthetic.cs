namespace Backprop.Data;

/// <summary>
/// Small two-dimensional classification sets generated from a seed, for demonstrations and fast tests.
/// Every set has sample shape [2] (the point's x and y) and is fully determined by its arguments: the random
/// numbers come from <see cref="Generator"/>, not <see cref="Random"/>.
/// </summary>
public static class Synthetic
{
    /// <summary>
    /// Points uniform in [−1, 1]² outside a band of half-width <paramref name="margin"/> around both axes, labelled
    /// by quadrant counter-clockwise: 0 = (+x, +y), 1 = (−x, +y), 2 = (−x, −y), 3 = (+x, −y). Named "quadrants".
    /// </summary>
    /// <remarks>
    /// The band keeps every point at least <paramref name="margin"/> from the decision boundaries, so the classes are
    /// separable with a gap and ≥ 99 % accuracy is attainable. Per point, in order: label = NextInt(4), then
    /// |x| = margin + (1 − margin)·NextDouble() and |y| likewise, signs from the label.
    /// </remarks>
    /// <param name="count">The number of points.</param>
    /// <param name="seed">The seed of the generator.</param>
    /// <param name="margin">The half-width of the empty band around the axes, in [0, 1).</param>
    public static Dataset Quadrants(int count, ulong seed, float margin = 0.05f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!(margin >= 0 && margin < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(margin), $"The margin must be in [0, 1), but was {margin}.");
        }
        var generator = new Generator(seed);
        var features = new float[count * 2];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int quadrant = generator.NextInt(4);
            double x = margin + (1.0 - margin) * generator.NextDouble();
            double y = margin + (1.0 - margin) * generator.NextDouble();
            features[2 * i] = (float)(quadrant is 0 or 3 ? x : -x);
            features[2 * i + 1] = (float)(quadrant is 0 or 1 ? y : -y);
            labels[i] = quadrant;
        }
        return new Dataset("quadrants", features, labels, [2], 4);
    }

    /// <summary>
    /// <paramref name="arms"/> interleaved spiral arms around the origin, one class per arm. Named "spiral".
    /// </summary>
    /// <remarks>
    /// Point i belongs to arm k = i mod arms, as the j-th (j = i div arms) of that arm's n_k points. With
    /// t = (j + ½) / n_k in (0, 1): radius r = t, angle θ = 2π·k/arms + 4t radians, and the point is
    /// (r cos θ, r sin θ) plus independent Gaussian noise of standard deviation <paramref name="noise"/> on each
    /// coordinate (two <see cref="Generator.NextGaussian"/> draws per point, x then y).
    /// </remarks>
    /// <param name="count">The number of points, spread over the arms as evenly as possible.</param>
    /// <param name="arms">The number of arms (classes), at least 2.</param>
    /// <param name="seed">The seed of the generator.</param>
    /// <param name="noise">The standard deviation of the noise added to each coordinate.</param>
    public static Dataset Spiral(int count, int arms, ulong seed, float noise = 0.03f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(arms, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(noise);
        var generator = new Generator(seed);
        var features = new float[count * 2];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int arm = i % arms;
            int j = i / arms;
            int pointsOnArm = count / arms + (arm < count % arms ? 1 : 0);
            double t = (j + 0.5) / pointsOnArm;
            double angle = 2.0 * Math.PI * arm / arms + 4.0 * t;
            features[2 * i] = (float)(t * Math.Cos(angle) + noise * generator.NextGaussian());
            features[2 * i + 1] = (float)(t * Math.Sin(angle) + noise * generator.NextGaussian());
            labels[i] = arm;
        }
        return new Dataset("spiral", features, labels, [2], arms);
    }

    /// <summary>
    /// Two interleaved half circles ("moons"), one class each. Named "moons".
    /// </summary>
    /// <remarks>
    /// Point i has label i mod 2 and angle θ = π·NextDouble(). Label 0 lies on the upper unit half circle
    /// (cos θ, sin θ); label 1 on the lower one shifted to interlock, (1 − cos θ, ½ − sin θ) — the layout of
    /// scikit-learn's make_moons. Gaussian noise of standard deviation <paramref name="noise"/> is then added to x and y.
    /// </remarks>
    /// <param name="count">The number of points (classes alternate, so they differ in size by at most one).</param>
    /// <param name="seed">The seed of the generator.</param>
    /// <param name="noise">The standard deviation of the noise added to each coordinate.</param>
    public static Dataset Moons(int count, ulong seed, float noise = 0.1f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(noise);
        var generator = new Generator(seed);
        var features = new float[count * 2];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = i % 2;
            double angle = Math.PI * generator.NextDouble();
            double x = label == 0 ? Math.Cos(angle) : 1.0 - Math.Cos(angle);
            double y = label == 0 ? Math.Sin(angle) : 0.5 - Math.Sin(angle);
            features[2 * i] = (float)(x + noise * generator.NextGaussian());
            features[2 * i + 1] = (float)(y + noise * generator.NextGaussian());
            labels[i] = label;
        }
        return new Dataset("moons", features, labels, [2], 2);
    }
}
