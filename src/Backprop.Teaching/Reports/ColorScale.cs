namespace Backprop.Teaching.Reports;

/// <summary>The report's colour scales: grey levels for images, and blue–white–red for signed values (weights, gradients).</summary>
internal static class ColorScale
{
    // The ends of the diverging scale: ColorBrewer's RdBu, readable by people with red–green colour blindness.
    private static readonly (byte R, byte G, byte B) Negative = (33, 102, 172), Positive = (178, 24, 43), Zero = (255, 255, 255);

    /// <summary>0..255 for <paramref name="value"/> between <paramref name="low"/> and <paramref name="high"/>, clamped; NaN is 0.</summary>
    public static byte Level(float value, float low, float high)
    {
        if (!float.IsFinite(value) || !(high > low)) return 0;
        double t = Math.Clamp((value - low) / (high - low), 0, 1);
        return (byte)Math.Round(255 * t);
    }

    /// <summary>Ink on paper: <paramref name="low"/> white, <paramref name="high"/> black.</summary>
    public static (byte R, byte G, byte B) Ink(float value, float low, float high)
    {
        byte level = (byte)(255 - Level(value, low, high));
        return (level, level, level);
    }

    /// <summary>White at 0, towards blue below and red above; ±<paramref name="limit"/> and beyond at full colour. NaN is grey.</summary>
    public static (byte R, byte G, byte B) Diverging(float value, float limit)
    {
        if (!float.IsFinite(value)) return (128, 128, 128);
        if (!(limit > 0)) return Zero;
        double t = Math.Clamp(value / limit, -1, 1);
        var end = t < 0 ? Negative : Positive;
        double a = Math.Abs(t);
        return (Mix(Zero.R, end.R, a), Mix(Zero.G, end.G, a), Mix(Zero.B, end.B, a));
    }

    private static byte Mix(byte from, byte to, double t) => (byte)Math.Round(from + (to - from) * t);
}
