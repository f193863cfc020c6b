namespace Backprop.Teaching.Visualization;

/// <summary>
/// A linear axis with "nice" round ticks (steps of 1, 2 or 5 times a power of ten) covering the data.
/// Degenerate data (one value, or all equal) gets a small range around the value instead of a zero-width one.
/// </summary>
internal sealed class AxisScale : IAxisScale
{
    private AxisScale(double minimum, double maximum, double step)
    {
        Minimum = minimum;
        Maximum = maximum;
        Step = step;
    }

    public double Minimum { get; }
    public double Maximum { get; }
    public double Step { get; }

    /// <summary>Tick values from <see cref="Minimum"/> to <see cref="Maximum"/>.</summary>
    public IEnumerable<double> Ticks()
    {
        int count = (int)Math.Round((Maximum - Minimum) / Step);
        // Computing each tick from the minimum (not by repeated addition) keeps 0.30000000000000004 away.
        for (int i = 0; i <= count; i++)
            yield return Math.Round(Minimum + i * Step, 12);
    }

    /// <summary>Maps a data value to a fraction of the axis length, 0 at <see cref="Minimum"/>.</summary>
    public double Fraction(double value) => (value - Minimum) / (Maximum - Minimum);

    /// <param name="values">Finite data values (may be empty).</param>
    /// <param name="targetTicks">About how many intervals to aim for.</param>
    /// <param name="integerSteps">Never step by less than 1 (for epochs).</param>
    public static AxisScale Cover(IEnumerable<double> values, int targetTicks = 5, bool integerSteps = false)
    {
        double low = double.PositiveInfinity, high = double.NegativeInfinity;
        foreach (double value in values)
        {
            low = Math.Min(low, value);
            high = Math.Max(high, value);
        }
        if (double.IsInfinity(low))
        {
            low = 0;
            high = 1;
        }
        else if (high - low <= Math.Abs(high) * 1e-12)
        {
            double pad = integerSteps ? 1 : low == 0 ? 1 : Math.Abs(low) * 0.1;
            low -= pad;
            high += pad;
        }
        double step = NiceStep((high - low) / targetTicks);
        if (integerSteps) step = Math.Max(1, step);
        return new AxisScale(Math.Floor(low / step + 1e-9) * step, Math.Ceiling(high / step - 1e-9) * step, step);
    }

    private static double NiceStep(double rough)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double mantissa = rough / power;
        double nice = mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 5 ? 5 : 10;
        return nice * power;
    }
}
