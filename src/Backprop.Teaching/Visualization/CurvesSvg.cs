using System.Globalization;
using System.Text;

namespace Backprop.Teaching.Visualization;

/// <summary>Draws training curves: loss per epoch and accuracy (or error rate) per epoch, side by side, in one SVG.</summary>
public static class CurvesSvg
{
    private static readonly string[] Palette = ["#1f6feb", "#e8590c", "#2f9e44", "#ae3ec9", "#c92a2a", "#495057"];

    private const double PlotWidth = 420, PlotHeight = 270;
    private const double PanelLeft = 70, PanelRight = 24, PanelTop = 36, PanelGap = 24;
    private const double TitleHeight = 48, AxisLabelRoom = 50, LegendRowHeight = 22;
    private const int MaximumMarkers = 60;

    /// <summary>
    /// The SVG text (starting at <c>&lt;svg</c>). One panel per <see cref="CurvePanel"/> that has series, loss on the left;
    /// an empty figure says "no data". Each series with two or more finite points is a polyline; series with at most
    /// 60 points also get a dot per point, so a single epoch still shows up. NaN and infinite values are skipped, and
    /// on a logarithmic axis also zero and negative ones.
    /// </summary>
    /// <param name="title">Figure title; escaped. Empty: no title line (for a figure placed under a heading of its own).</param>
    /// <param name="series">The curves; colours follow their order within a panel, so list train before test in both.</param>
    /// <param name="xAxisLabel">Caption of the horizontal axes.</param>
    /// <param name="logScale">Logarithmic vertical axes (ticks at 1, 2, 5 × 10ⁿ), so values spanning decades all stay readable.</param>
    public static string Render(string title, IReadOnlyList<CurveSeries> series, string xAxisLabel = "epoch", bool logScale = false)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(series);
        var panels = new[] { CurvePanel.Loss, CurvePanel.Accuracy, CurvePanel.ErrorRate }
            .Select(panel => (Panel: panel, Series: series.Where(s => s.Panel == panel).ToList()))
            .Where(panel => panel.Series.Count > 0)
            .ToList();

        int legendRows = panels.Select(p => LegendLayout(p.Series).Rows).DefaultIfEmpty(0).Max();
        double panelWidth = PanelLeft + PlotWidth + PanelRight;
        double width = Math.Max(1, panels.Count) * panelWidth + (Math.Max(1, panels.Count) - 1) * PanelGap + 20;
        double titleHeight = title.Length == 0 ? 0 : TitleHeight;
        double height = titleHeight + PanelTop + PlotHeight + AxisLabelRoom + legendRows * LegendRowHeight + 16;

        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{N(width)}\" height=\"{N(height)}\" viewBox=\"0 0 {N(width)} {N(height)}\" ")
           .Append($"font-family=\"{FigureStyle.FontFamily}\" fill=\"{FigureStyle.InkColor}\">\n");
        svg.Append($"<rect width=\"{N(width)}\" height=\"{N(height)}\" fill=\"white\"/>\n");
        if (title.Length > 0)
            svg.Append($"<text x=\"{N(width / 2)}\" y=\"30\" text-anchor=\"middle\" font-size=\"19\" font-weight=\"bold\">{XmlText.Escape(title)}</text>\n");

        if (panels.Count == 0)
        {
            svg.Append($"<text x=\"{N(width / 2)}\" y=\"{N(titleHeight + PanelTop + PlotHeight / 2)}\" text-anchor=\"middle\" font-size=\"15\" ")
               .Append($"fill=\"{FigureStyle.ConstantColor}\">no data</text>\n");
        }
        for (int p = 0; p < panels.Count; p++)
        {
            double left = 10 + p * (panelWidth + PanelGap) + PanelLeft;
            AppendPanel(svg, panels[p].Panel, panels[p].Series, left, titleHeight + PanelTop, xAxisLabel, logScale);
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void AppendPanel(StringBuilder svg, CurvePanel panel, List<CurveSeries> series, double left, double top, string xAxisLabel, bool logScale)
    {
        bool Drawn(CurvePoint point) => IsFinite(point) && (!logScale || LogAxisScale.Shows(point.Y));
        var finite = series.SelectMany(s => s.Points).Where(Drawn).ToList();
        bool epochs = finite.All(point => point.X == Math.Floor(point.X));
        AxisScale xScale = AxisScale.Cover(finite.Select(point => point.X), targetTicks: 6, integerSteps: epochs);
        IAxisScale yScale = logScale ? LogAxisScale.Cover(finite.Select(point => point.Y)) : AxisScale.Cover(finite.Select(point => point.Y), targetTicks: 5);
        double X(double value) => left + xScale.Fraction(value) * PlotWidth;
        double Y(double value) => top + PlotHeight - yScale.Fraction(value) * PlotHeight;
        string name = panel switch { CurvePanel.Loss => "loss", CurvePanel.Accuracy => "accuracy", _ => "error rate" };
        string heading = panel == CurvePanel.ErrorRate ? "error rate (1 − accuracy)" : name;
        if (logScale) heading += ", log scale";
        double bottom = top + PlotHeight;

        svg.Append($"<g class=\"panel {name.Replace(' ', '-')}\">\n");
        svg.Append($"<text x=\"{N(left + PlotWidth / 2)}\" y=\"{N(top - 14)}\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">{heading}</text>\n");
        foreach (double tick in yScale.Ticks())
        {
            double y = Y(tick);
            svg.Append($"<line x1=\"{N(left)}\" y1=\"{N(y)}\" x2=\"{N(left + PlotWidth)}\" y2=\"{N(y)}\" stroke=\"{FigureStyle.GridColor}\"/>\n");
            svg.Append($"<text x=\"{N(left - 8)}\" y=\"{N(y)}\" dy=\"0.35em\" text-anchor=\"end\" font-size=\"13\">{CompactNumber.Format(tick)}</text>\n");
        }
        foreach (double tick in xScale.Ticks())
        {
            double x = X(tick);
            svg.Append($"<line x1=\"{N(x)}\" y1=\"{N(bottom)}\" x2=\"{N(x)}\" y2=\"{N(bottom + 5)}\" stroke=\"{FigureStyle.InkColor}\"/>\n");
            svg.Append($"<text x=\"{N(x)}\" y=\"{N(bottom + 20)}\" text-anchor=\"middle\" font-size=\"13\">{CompactNumber.Format(tick)}</text>\n");
        }
        svg.Append($"<path d=\"M{N(left)},{N(top)} V{N(bottom)} H{N(left + PlotWidth)}\" fill=\"none\" stroke=\"{FigureStyle.InkColor}\" stroke-width=\"1.2\"/>\n");
        svg.Append($"<text x=\"{N(left + PlotWidth / 2)}\" y=\"{N(bottom + 40)}\" text-anchor=\"middle\" font-size=\"14\">{XmlText.Escape(xAxisLabel)}</text>\n");
        double yLabelX = left - 52, yLabelY = top + PlotHeight / 2;
        svg.Append($"<text x=\"{N(yLabelX)}\" y=\"{N(yLabelY)}\" text-anchor=\"middle\" font-size=\"14\" transform=\"rotate(-90 {N(yLabelX)} {N(yLabelY)})\">{name}</text>\n");

        for (int s = 0; s < series.Count; s++)
        {
            string color = Palette[s % Palette.Length];
            var points = series[s].Points.Where(Drawn).Select(point => $"{N(X(point.X))},{N(Y(point.Y))}").ToList();
            svg.Append($"<g class=\"series\" data-name=\"{XmlText.Escape(series[s].Name)}\">\n");
            if (points.Count >= 2)
                svg.Append($"<polyline points=\"{string.Join(' ', points)}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2.2\" stroke-linejoin=\"round\"/>\n");
            if (points.Count <= MaximumMarkers)
            {
                foreach (string point in points)
                {
                    string[] xy = point.Split(',');
                    svg.Append($"<circle cx=\"{xy[0]}\" cy=\"{xy[1]}\" r=\"3.5\" fill=\"{color}\" stroke=\"white\" stroke-width=\"1\"/>\n");
                }
            }
            svg.Append("</g>\n");
        }

        // The legend sits under the panel so it can never hide the end of a curve.
        var (_, positions) = LegendLayout(series);
        for (int s = 0; s < series.Count; s++)
        {
            double x = left + positions[s].X, y = bottom + AxisLabelRoom + 8 + positions[s].Row * LegendRowHeight;
            string color = Palette[s % Palette.Length];
            svg.Append($"<line x1=\"{N(x)}\" y1=\"{N(y)}\" x2=\"{N(x + 22)}\" y2=\"{N(y)}\" stroke=\"{color}\" stroke-width=\"2.5\"/>\n");
            svg.Append($"<text x=\"{N(x + 28)}\" y=\"{N(y)}\" dy=\"0.35em\" font-size=\"13\">{XmlText.Escape(series[s].Name)}</text>\n");
        }
        svg.Append("</g>\n");
    }

    // Legend entries flow left to right under the plot and wrap to a new row when the plot width is used up.
    private static (int Rows, List<(double X, int Row)> Positions) LegendLayout(List<CurveSeries> series)
    {
        var positions = new List<(double X, int Row)>();
        double x = 0;
        int row = 0;
        foreach (CurveSeries entry in series)
        {
            double entryWidth = 28 + TextMetrics.Width(entry.Name, 13) + 22;
            if (x > 0 && x + entryWidth > PlotWidth)
            {
                x = 0;
                row++;
            }
            positions.Add((x, row));
            x += entryWidth;
        }
        return (series.Count == 0 ? 0 : row + 1, positions);
    }

    private static bool IsFinite(CurvePoint point) => double.IsFinite(point.X) && double.IsFinite(point.Y);

    private static string N(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);
}
