namespace Backprop.Teaching.Reports;

/// <summary>
/// An RGB picture built pixel by pixel from a sample or a tile of weights, written into the report as a PNG data
/// URI. The report scales it up with sharp pixels, so an 8×8 digit stays 64 visible squares.
/// </summary>
internal sealed class PixelImage
{
    private readonly byte[] _rgb;

    public PixelImage(int width, int height, (byte R, byte G, byte B) background = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        (Width, Height) = (width, height);
        _rgb = new byte[width * height * 3];
        for (int i = 0; i < _rgb.Length; i += 3) (_rgb[i], _rgb[i + 1], _rgb[i + 2]) = background;
    }

    public int Width { get; }
    public int Height { get; }

    public void Set(int x, int y, (byte R, byte G, byte B) color)
    {
        int i = (y * Width + x) * 3;
        (_rgb[i], _rgb[i + 1], _rgb[i + 2]) = color;
    }

    public (byte R, byte G, byte B) Get(int x, int y)
    {
        int i = (y * Width + x) * 3;
        return (_rgb[i], _rgb[i + 1], _rgb[i + 2]);
    }

    /// <summary><c>data:image/png;base64,...</c>, for an &lt;img&gt; that needs no other file.</summary>
    public string DataUri() => "data:image/png;base64," + Convert.ToBase64String(PngEncoder.Encode(Width, Height, _rgb));

    /// <summary>
    /// A sample [channels, height, width] as it looks: one channel as dark ink on white (high values dark), three as
    /// colour; values between <paramref name="low"/> and <paramref name="high"/> span the full range.
    /// </summary>
    public static PixelImage Sample(ReadOnlySpan<float> values, int channels, int height, int width, float low, float high)
    {
        var image = new PixelImage(width, height);
        int plane = height * width;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = y * width + x;
                image.Set(x, y, channels == 3
                    ? (ColorScale.Level(values[i], low, high), ColorScale.Level(values[plane + i], low, high), ColorScale.Level(values[2 * plane + i], low, high))
                    : ColorScale.Ink(values[i], low, high));
            }
        }
        return image;
    }

    /// <summary>
    /// Signed values [channels, height, width] on the diverging scale (blue negative, white zero, red positive) with
    /// ±<paramref name="limit"/> at full colour; with several channels each pixel shows the channel of largest magnitude.
    /// </summary>
    public static PixelImage Signed(ReadOnlySpan<float> values, int channels, int height, int width, float limit)
    {
        var image = new PixelImage(width, height);
        int plane = height * width;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                float strongest = 0;
                for (int c = 0; c < channels; c++)
                {
                    float v = values[c * plane + y * width + x];
                    if (Math.Abs(v) > Math.Abs(strongest)) strongest = v;
                }
                image.Set(x, y, ColorScale.Diverging(strongest, limit));
            }
        }
        return image;
    }

    /// <summary>The largest magnitude among <paramref name="values"/> (0 when all are zero or not finite).</summary>
    public static float LargestMagnitude(ReadOnlySpan<float> values)
    {
        float largest = 0;
        foreach (float v in values)
            if (float.IsFinite(v)) largest = Math.Max(largest, Math.Abs(v));
        return largest;
    }
}
