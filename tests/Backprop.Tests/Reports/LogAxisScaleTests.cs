using Backprop.Teaching.Visualization;

namespace Backprop.Tests.Reports;

public class LogAxisScaleTests
{
    [Theory]
    [InlineData(new[] { 0.06, 1.4 }, new[] { 0.05, 0.1, 0.2, 0.5, 1, 2 })]        // 1.4 decades: 1, 2, 5
    [InlineData(new[] { 0.012, 0.5 }, new[] { 0.01, 0.02, 0.05, 0.1, 0.2, 0.5 })]   // an end on a tick stays there
    [InlineData(new[] { 2e-5, 3.0 }, new[] { 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10 })] // over three decades: powers of ten
    [InlineData(new[] { 0.31, 0.58 }, new[] { 0.3, 0.4, 0.5, 0.6 })]               // under one: every digit
    public void Ticks_are_round_and_cover_the_data(double[] values, double[] ticks)
    {
        Assert.Equal(ticks, LogAxisScale.Cover(values).Ticks());
    }

    [Fact]
    public void Equal_ratios_take_equal_lengths_and_values_a_log_axis_cannot_show_are_ignored()
    {
        var scale = LogAxisScale.Cover([0.01, 1, 0, -3, double.NaN]);
        Assert.Equal([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1], scale.Ticks());
        Assert.Equal(0, scale.Fraction(0.01), 12);
        Assert.Equal(0.5, scale.Fraction(0.1), 12);
        Assert.Equal(1, scale.Fraction(1), 12);
    }

    [Fact]
    public void A_single_value_gets_a_tick_either_side()
    {
        Assert.Equal([0.1, 0.2, 0.3], LogAxisScale.Cover([0.2]).Ticks());
    }
}
