namespace Backprop.Data;

/// <summary>
/// Standardisation x' = (x − mean) / std, with mean and std fitted on one data set (the training set) and applied
/// unchanged to others (the test set, single inputs at prediction time), so that no test statistic leaks into training.
/// </summary>
/// <remarks>
/// The statistics are stored expanded to one value per feature position (<see cref="Mean"/> and
/// <see cref="StandardDeviation"/> have length <see cref="SampleSize"/>), whatever the <see cref="Scope"/>, so
/// applying them is one loop; save those two arrays in a checkpoint to reproduce the transform. Sums are
/// accumulated in double with two passes (mean first, then squared deviations) for accuracy. A standard deviation
/// below <see cref="MinimumStandardDeviation"/> (a constant feature, like the always-blank border pixels of the
/// digits) is replaced by 1, so such a feature becomes 0 instead of dividing by ~0.
/// </remarks>
public sealed class Standardization
{
    /// <summary>Standard deviations below this are treated as 1 (see remarks).</summary>
    public const float MinimumStandardDeviation = 1e-6f;

    private readonly float[] _mean;
    private readonly float[] _standardDeviation;

    /// <summary>Creates a standardisation from saved statistics (one value per feature position).</summary>
    /// <exception cref="ArgumentException">The arrays differ in length or are empty, or a deviation is not positive.</exception>
    public Standardization(float[] mean, float[] standardDeviation, StandardizationScope scope = StandardizationScope.PerFeature)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(standardDeviation);
        if (mean.Length == 0 || mean.Length != standardDeviation.Length)
        {
            throw new ArgumentException($"Mean ({mean.Length} values) and standard deviation ({standardDeviation.Length} values) must be non-empty and of equal length.", nameof(standardDeviation));
        }
        for (int i = 0; i < standardDeviation.Length; i++)
        {
            if (!(standardDeviation[i] > 0) || !float.IsFinite(standardDeviation[i]))
            {
                throw new ArgumentException($"Standard deviation {i} is {standardDeviation[i]}; it must be positive and finite.", nameof(standardDeviation));
            }
        }
        _mean = (float[])mean.Clone();
        _standardDeviation = (float[])standardDeviation.Clone();
        Scope = scope;
    }

    /// <summary>How the statistics were pooled when fitted.</summary>
    public StandardizationScope Scope { get; }

    /// <summary>The number of feature positions this applies to.</summary>
    public int SampleSize => _mean.Length;

    /// <summary>A copy of the mean subtracted at each feature position.</summary>
    public float[] Mean => (float[])_mean.Clone();

    /// <summary>A copy of the divisor at each feature position (always positive).</summary>
    public float[] StandardDeviation => (float[])_standardDeviation.Clone();

    /// <summary>Computes the mean and (population) standard deviation of <paramref name="training"/>, pooled as <paramref name="scope"/> says.</summary>
    /// <exception cref="ArgumentException">The data set is empty.</exception>
    public static Standardization Fit(Dataset training, StandardizationScope scope = StandardizationScope.Global)
    {
        ArgumentNullException.ThrowIfNull(training);
        if (training.Count == 0)
        {
            throw new ArgumentException($"Cannot fit a standardisation on the empty data set '{training.Name}'.", nameof(training));
        }

        int sampleSize = training.SampleSize;
        // Each feature position belongs to one group; the statistics are pooled within a group.
        int groupCount = scope switch
        {
            StandardizationScope.Global => 1,
            StandardizationScope.PerChannel => training.SampleShape[0],
            StandardizationScope.PerFeature => sampleSize,
            _ => throw new ArgumentOutOfRangeException(nameof(scope)),
        };
        int positionsPerGroup = sampleSize / groupCount;
        ReadOnlySpan<float> features = training.Features;

        // Sums are kept per feature position (no group lookup in the hot loop) and pooled into groups afterwards.
        var positionSums = new double[sampleSize];
        for (int offset = 0; offset < features.Length; offset += sampleSize)
        {
            ReadOnlySpan<float> sample = features.Slice(offset, sampleSize);
            for (int j = 0; j < sample.Length; j++)
            {
                positionSums[j] += sample[j];
            }
        }
        double valuesPerGroup = (double)training.Count * positionsPerGroup;
        var groupMeans = new double[groupCount];
        for (int j = 0; j < sampleSize; j++)
        {
            groupMeans[j / positionsPerGroup] += positionSums[j] / valuesPerGroup;
        }
        var meanAtPosition = new double[sampleSize];
        for (int j = 0; j < sampleSize; j++)
        {
            meanAtPosition[j] = groupMeans[j / positionsPerGroup];
        }

        var positionSquares = new double[sampleSize];
        for (int offset = 0; offset < features.Length; offset += sampleSize)
        {
            ReadOnlySpan<float> sample = features.Slice(offset, sampleSize);
            for (int j = 0; j < sample.Length; j++)
            {
                double deviation = sample[j] - meanAtPosition[j];
                positionSquares[j] += deviation * deviation;
            }
        }
        var groupSquares = new double[groupCount];
        for (int j = 0; j < sampleSize; j++)
        {
            groupSquares[j / positionsPerGroup] += positionSquares[j];
        }

        var mean = new float[sampleSize];
        var standardDeviation = new float[sampleSize];
        for (int j = 0; j < sampleSize; j++)
        {
            int g = j / positionsPerGroup;
            float deviation = (float)Math.Sqrt(groupSquares[g] / valuesPerGroup);
            mean[j] = (float)groupMeans[g];
            standardDeviation[j] = deviation < MinimumStandardDeviation ? 1f : deviation;
        }
        return new Standardization(mean, standardDeviation, scope);
    }

    /// <summary>A new data set with every sample standardised; <paramref name="data"/> is unchanged.</summary>
    /// <exception cref="ArgumentException">The data set's sample size differs from <see cref="SampleSize"/>.</exception>
    public Dataset Apply(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.SampleSize != SampleSize)
        {
            throw new ArgumentException($"Standardisation fitted on samples of {SampleSize} values cannot be applied to data set '{data.Name}' with samples of {data.SampleSize} values.", nameof(data));
        }
        var features = (float[])data.Features.Clone();
        ApplyInPlace(features, data.Name);
        return new Dataset(data.Name, features, (int[])data.Labels.Clone(), data.SampleShape, data.NumClasses);
    }

    /// <summary>
    /// Standardises, in place, one or more samples stored one after another (e.g. a batch's features or one image
    /// to classify). The length must be a multiple of <see cref="SampleSize"/>.
    /// </summary>
    public void ApplyInPlace(Span<float> samples) => ApplyInPlace(samples, "the given values");

    private void ApplyInPlace(Span<float> samples, string what)
    {
        int sampleSize = _mean.Length;
        if (samples.Length % sampleSize != 0)
        {
            throw new ArgumentException($"Standardisation fitted on samples of {sampleSize} values cannot be applied to {what}: {samples.Length} values is not a multiple of {sampleSize}.");
        }
        for (int offset = 0; offset < samples.Length; offset += sampleSize)
        {
            Span<float> sample = samples.Slice(offset, sampleSize);
            System.Numerics.Tensors.TensorPrimitives.Subtract(sample, _mean, sample);
            System.Numerics.Tensors.TensorPrimitives.Divide(sample, _standardDeviation, sample);
        }
    }
}
