namespace Backprop.Teaching.Visualization;

/// <summary>An axis of a figure: where its ticks go and where a value lies along it.</summary>
internal interface IAxisScale
{
    /// <summary>The tick values, lowest first; the first and last are the ends of the axis.</summary>
    IEnumerable<double> Ticks();

    /// <summary>Maps a data value to a fraction of the axis length, 0 at the lowest tick.</summary>
    double Fraction(double value);
}
