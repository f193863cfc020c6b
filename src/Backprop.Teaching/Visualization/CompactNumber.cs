using System.Globalization;

namespace Backprop.Teaching.Visualization;

/// <summary>
/// Formats numbers for figures: short, invariant culture, no trailing zeros.
/// 162 → "162", 0.5 → "0.5", 1/3 → "0.3333", 0.000123456 → "0.0001235", 2.5e7 → "2.5e+7".
/// </summary>
public static class CompactNumber
{
    /// <summary>Formats <paramref name="value"/> with at most 4 decimals (4 significant digits below 1).</summary>
    public static string Format(double value)
    {
        if (double.IsNaN(value)) return "NaN";
        if (double.IsPositiveInfinity(value)) return "∞";
        if (double.IsNegativeInfinity(value)) return "-∞";
        if (value == 0) return "0"; // also turns -0 into "0"

        double magnitude = Math.Abs(value);
        // Very large or very small numbers would need many digits in fixed notation.
        if (magnitude >= 1e7 || magnitude < 1e-4)
            return value.ToString("0.###e+0", CultureInfo.InvariantCulture);

        // Below 1, keep 4 significant digits; from 1 on, keep 4 decimals.
        int decimals = magnitude >= 1 ? 4 : Math.Min(15, 3 - (int)Math.Floor(Math.Log10(magnitude)));
        double rounded = Math.Round(value, decimals, MidpointRounding.AwayFromZero);
        string text = rounded.ToString("0.###############", CultureInfo.InvariantCulture);
        return text == "-0" ? "0" : text;
    }
}
