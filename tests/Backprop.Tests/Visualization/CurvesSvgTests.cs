using System.Xml.Linq;
using Backprop.Teaching.Visualization;

namespace Backprop.Tests.Visualization;

public class CurvesSvgTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static List<CurvePoint> Points(params double[] ys) => ys.Select((y, i) => new CurvePoint(i + 1, y)).ToList();

    private static List<CurveSeries> TenEpochs() =>
    [
        new("train loss", CurvePanel.Loss, Points(2.1, 1.5, 1.1, 0.8, 0.6, 0.45, 0.36, 0.3, 0.26, 0.24)),
        new("test loss", CurvePanel.Loss, Points(2.2, 1.7, 1.3, 1.0, 0.8, 0.66, 0.57, 0.5, 0.46, 0.44)),
        new("train accuracy", CurvePanel.Accuracy, Points(0.4, 0.6, 0.72, 0.8, 0.85, 0.88, 0.9, 0.92, 0.93, 0.94)),
        new("test accuracy", CurvePanel.Accuracy, Points(0.35, 0.55, 0.68, 0.76, 0.8, 0.83, 0.85, 0.86, 0.87, 0.88)),
    ];

    [Fact]
    public void TwoPanelsWithOnePolylinePerSeriesAndOneDotPerPoint()
    {
        XDocument document = XDocument.Parse(CurvesSvg.Render("digits", TenEpochs()));
        var polylines = document.Descendants(Svg + "polyline").ToList();
        Assert.Equal(4, polylines.Count);
        Assert.All(polylines, line => Assert.Equal(10, ((string)line.Attribute("points")!).Split(' ').Length));
        Assert.Equal(40, document.Descendants(Svg + "circle").Count());
        var texts = document.Descendants(Svg + "text").Select(t => t.Value).ToList();
        foreach (string text in new[] { "digits", "loss", "accuracy", "epoch", "train loss", "test accuracy" })
            Assert.Contains(text, texts);
        Assert.Equal(2, document.Descendants(Svg + "g").Count(g => ((string?)g.Attribute("class"))?.StartsWith("panel") == true));
    }

    [Fact]
    public void TicksAreRoundNumbers()
    {
        string svg = CurvesSvg.Render("t", TenEpochs());
        var texts = XDocument.Parse(svg).Descendants(Svg + "text").Select(t => t.Value).ToHashSet();
        foreach (string tick in new[] { "0", "0.5", "1", "1.5", "2" })
            Assert.Contains(tick, texts);
        Assert.Contains("10", texts);
        Assert.DoesNotContain(texts, text => text.Contains("0000"));
    }

    [Fact]
    public void SingleEpochIsDrawnAsADot()
    {
        var series = new List<CurveSeries> { new("train loss", CurvePanel.Loss, [new CurvePoint(1, 0.7)]) };
        XDocument document = XDocument.Parse(CurvesSvg.Render("one", series));
        Assert.Empty(document.Descendants(Svg + "polyline"));
        Assert.Single(document.Descendants(Svg + "circle"));
        Assert.DoesNotContain("NaN", document.ToString());
        Assert.DoesNotContain("Infinity", document.ToString());
    }

    [Fact]
    public void NaNAndInfinitePointsAreSkipped()
    {
        var series = new List<CurveSeries>
        {
            new("loss", CurvePanel.Loss, Points(1.0, double.NaN, 0.5, double.PositiveInfinity, 0.25)),
            new("all bad", CurvePanel.Loss, Points(double.NaN)),
        };
        string svg = CurvesSvg.Render("gaps", series);
        XDocument document = XDocument.Parse(svg);
        var line = Assert.Single(document.Descendants(Svg + "polyline"));
        Assert.Equal(3, ((string)line.Attribute("points")!).Split(' ').Length);
        Assert.Equal(3, document.Descendants(Svg + "circle").Count());
        Assert.DoesNotContain("NaN", svg);
    }

    [Fact]
    public void ConstantSeriesGetsARangeAroundItsValue()
    {
        var series = new List<CurveSeries>
        {
            new("flat", CurvePanel.Accuracy, Points(0.5, 0.5, 0.5)),
            new("zero", CurvePanel.Loss, Points(0, 0, 0)),
        };
        string svg = CurvesSvg.Render("flat", series);
        XDocument.Parse(svg);
        Assert.DoesNotContain("NaN", svg);
        Assert.DoesNotContain("∞", svg);
        Assert.Equal(2, XDocument.Parse(svg).Descendants(Svg + "polyline").Count());
    }

    [Fact]
    public void OnlyPanelsWithSeriesAreDrawnAndEmptyInputSaysSo()
    {
        var lossOnly = new List<CurveSeries> { new("loss", CurvePanel.Loss, Points(3, 2, 1)) };
        XDocument document = XDocument.Parse(CurvesSvg.Render("l", lossOnly));
        Assert.Single(document.Descendants(Svg + "g"), g => ((string?)g.Attribute("class"))?.StartsWith("panel") == true);

        XDocument empty = XDocument.Parse(CurvesSvg.Render("nothing", []));
        Assert.Contains("no data", empty.Descendants(Svg + "text").Select(t => t.Value));
    }

    [Fact]
    public void TitleAndNamesAreEscaped()
    {
        var series = new List<CurveSeries> { new("a<b & \"c\"", CurvePanel.Loss, Points(1, 2)) };
        XDocument document = XDocument.Parse(CurvesSvg.Render("<title> & 'x'", series, "step <n>"));
        var texts = document.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("<title> & 'x'", texts);
        Assert.Contains("a<b & \"c\"", texts);
        Assert.Contains("step <n>", texts);
    }

    [Theory]
    [InlineData(new[] { 0.0, 1.0 }, 0.0, 1.0, 0.2)]
    [InlineData(new[] { 0.13, 2.31 }, 0.0, 2.5, 0.5)]
    [InlineData(new[] { 1.0, 10.0 }, 0.0, 10.0, 2.0)]
    [InlineData(new[] { 7.0 }, 6.0, 8.0, 0.5)]
    public void AxisScaleUsesOneTwoFiveSteps(double[] values, double min, double max, double step)
    {
        AxisScale scale = AxisScale.Cover(values);
        Assert.Equal(step, scale.Step, 12);
        Assert.Equal(min, scale.Minimum, 12);
        Assert.Equal(max, scale.Maximum, 12);
    }
}
