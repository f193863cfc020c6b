using System.Globalization;

namespace Backprop.Teaching.Visualization;

/// <summary>
/// A logarithmic axis over positive data: equal ratios take equal lengths, so a loss falling from 2.3 to 0.02 shows
/// its late epochs as clearly as its first. The ends and ticks are 1, 2 and 5 times powers of ten (only powers of
/// ten over more than three decades; every digit 1..9 within less than one).
/// </summary>
internal sealed class LogAxisScale : IAxisScale
{
    private readonly double[] _ticks;
    private readonly double _logMinimum, _logMaximum;

    private LogAxisScale(double[] ticks)
    {
        _ticks = ticks;
        _logMinimum = Math.Log10(ticks[0]);
        _logMaximum = Math.Log10(ticks[^1]);
    }

    public IEnumerable<double> Ticks() => _ticks;

    public double Fraction(double value) => (Math.Log10(value) - _logMinimum) / (_logMaximum - _logMinimum);

    /// <summary>Whether a log axis can show <paramref name="value"/>: positive and finite.</summary>
    public static bool Shows(double value) => value > 0 && double.IsFinite(value);

    /// <param name="values">The data; values a log axis cannot show (zero, negative, NaN, infinite) are ignored.</param>
    public static LogAxisScale Cover(IEnumerable<double> values)
    {
        double low = double.PositiveInfinity, high = double.NegativeInfinity;
        foreach (double value in values.Where(Shows))
        {
            low = Math.Min(low, value);
            high = Math.Max(high, value);
        }
        if (double.IsInfinity(low))
        {
            low = 0.1;
            high = 1;
        }
        double decades = Math.Log10(high / low);
        int[] mantissas = decades > 3 ? [1] : decades > 0.7 ? [1, 2, 5] : [1, 2, 3, 4, 5, 6, 7, 8, 9];
        var candidates = new List<double>();
        for (int power = (int)Math.Floor(Math.Log10(low)) - 1; power <= (int)Math.Ceiling(Math.Log10(high)) + 1; power++)
            foreach (int m in mantissas)
                // Parsed from text, so 0.3 is the double nearest 0.3 rather than 3 × 0.1 with its rounding error.
                candidates.Add(double.Parse($"{m}e{power}", CultureInfo.InvariantCulture));
        // The ends: the last candidate at or below the data and the first at or above it (a little tolerance, so
        // 0.1 computed as 0.09999999 still counts as 0.1); one value alone gets the candidates either side of it.
        int first = candidates.FindLastIndex(c => c <= low * (1 + 1e-9));
        int last = candidates.FindIndex(c => c >= high * (1 - 1e-9));
        if (first == last)
        {
            first--;
            last++;
        }
        return new LogAxisScale(candidates.GetRange(first, last - first + 1).ToArray());
    }
}
