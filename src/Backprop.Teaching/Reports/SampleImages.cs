using Backprop.Data;

namespace Backprop.Teaching.Reports;

/// <summary>
/// How a data set's samples look as pictures: their shape [channels, height, width] (one or three channels) and the
/// samples in display form — standardisation undone, so they look as the data set's pixels did — with the value range
/// that spans black to white (the smallest and largest pixel of the whole set, so every picture shares one scale).
/// </summary>
public sealed class SampleImages
{
    private readonly Dataset _data;
    private readonly float[]? _mean, _deviation;

    private SampleImages(Dataset data, Standardization? standardization, int channels, int height, int width)
    {
        (_data, Channels, Height, Width) = (data, channels, height, width);
        (_mean, _deviation) = (standardization?.Mean, standardization?.StandardDeviation);
        (Low, High) = (float.PositiveInfinity, float.NegativeInfinity);
        for (int i = 0; i < data.Count; i++)
        {
            foreach (float v in Pixels(i))
            {
                if (!float.IsFinite(v)) continue;
                Low = Math.Min(Low, v);
                High = Math.Max(High, v);
            }
        }
        if (!(High > Low)) (Low, High) = (float.IsFinite(Low) ? Low : 0, float.IsFinite(Low) ? Low + 1 : 1);
    }

    /// <summary>1 (grey) or 3 (colour).</summary>
    public int Channels { get; }
    /// <summary>Rows of a picture.</summary>
    public int Height { get; }
    /// <summary>Columns of a picture.</summary>
    public int Width { get; }
    /// <summary>The value shown without ink (white) in grey pictures, as black in colour ones.</summary>
    public float Low { get; }
    /// <summary>The value shown at full intensity.</summary>
    public float High { get; }

    /// <summary>Sample <paramref name="index"/> as the data set's pixels, [channels, height, width] row-major.</summary>
    public float[] Pixels(int index)
    {
        float[] values = _data.GetSample(index).ToArray();
        if (_mean is not null && _deviation is not null)
            for (int i = 0; i < values.Length; i++) values[i] = values[i] * _deviation[i] + _mean[i];
        return values;
    }

    /// <summary>
    /// The pictures of <paramref name="data"/> when its samples are images of one or three channels; otherwise null
    /// and <paramref name="absentReason"/> says why.
    /// </summary>
    /// <param name="data">The samples as the model takes them.</param>
    /// <param name="inputShape">The shape the model takes each sample in (the data set's may be flattened).</param>
    /// <param name="standardization">What was applied to the data set's pixels before the model saw them, to be undone for display; null if nothing.</param>
    /// <param name="absentReason">Why there are no pictures, when null is returned.</param>
    public static SampleImages? Of(Dataset data, int[] inputShape, Standardization? standardization, out string absentReason)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape is not [int channels and (1 or 3), int height, int width] || channels * height * width != data.SampleSize)
        {
            absentReason = $"the samples are not images (each is {Shapes.Format(inputShape)})";
            return null;
        }
        if (standardization is not null && standardization.SampleSize != data.SampleSize)
            throw new ArgumentException($"sample images: the standardisation has {standardization.SampleSize} values, the samples {data.SampleSize}");
        absentReason = "";
        return new SampleImages(data, standardization, channels, height, width);
    }
}
