using System.Globalization;
using System.Text;
using Backprop.Teaching.Visualization;
using Backprop.Training;

namespace Backprop.Teaching.Reports;

/// <summary>
/// Draws a <see cref="TrainingReport"/> as one self-contained HTML page: inline SVG for the curves, PNG data URIs for
/// the pictures, inline CSS, no script and nothing fetched, so it opens offline from any directory. The log-scale
/// switch is a checkbox the stylesheet reads. The layout reflows from a 1280-pixel screen down to a phone.
/// </summary>
public static class TrainingReportHtml
{
    /// <summary>Weight tiles up to this many are drawn one by one with a caption each; more share one picture.</summary>
    private const int CaptionedTileLimit = 32;

    /// <summary>The page's HTML text.</summary>
    public static string Render(TrainingReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Classifier is null && report.ClassifierAbsentReason.Length == 0)
            throw new ArgumentException("training report: without classifier findings, ClassifierAbsentReason must say why");
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append($"<title>{E(report.Title)} · training report</title>\n")
            .Append("<style>\n").Append(TrainingReportStyle.Css).Append("</style>\n</head>\n<body>\n");
        AppendHeader(html, report);
        html.Append("<main>\n");
        AppendCurves(html, report);
        if (report.Classifier is { } findings)
        {
            AppendConfusion(html, findings);
            AppendMistakes(html, findings);
            AppendSaliency(html, findings);
            AppendWeights(html, findings);
        }
        else
        {
            foreach (var (id, heading) in Sections.Skip(1))
                html.Append($"<section id=\"{id}\">\n<h2>{heading}</h2>\n<p class=\"absent\">Does not apply: {E(report.ClassifierAbsentReason)}.</p>\n</section>\n");
        }
        html.Append("</main>\n<footer>\n<p>Written by <code>backprop</code>. One file: the pictures and styles are inside it, nothing is fetched.</p>\n</footer>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static readonly (string Id, string Heading)[] Sections =
    [
        ("curves", "Loss and accuracy"),
        ("confusion", "Confusion matrix"),
        ("mistakes", "Most confident mistakes"),
        ("saliency", "Saliency maps"),
        ("weights", "First-layer weights"),
    ];

    private static void AppendHeader(StringBuilder html, TrainingReport report)
    {
        html.Append("<header>\n<p class=\"kicker\">Training report</p>\n")
            .Append($"<h1>{E(report.Title)}</h1>\n");
        if (report.Facts.Count > 0)
        {
            html.Append("<dl class=\"facts\">\n");
            foreach (var fact in report.Facts)
                html.Append($"<div><dt>{E(fact.Label)}</dt><dd>{E(fact.Value)}</dd></div>\n");
            html.Append("</dl>\n");
        }
        html.Append("<nav aria-label=\"sections\">");
        foreach (var (id, heading) in Sections) html.Append($"<a href=\"#{id}\">{heading}</a>");
        html.Append("</nav>\n</header>\n");
    }

    private static void AppendCurves(StringBuilder html, TrainingReport report)
    {
        html.Append("<section id=\"curves\">\n<h2>Loss and accuracy</h2>\n");
        if (report.History is not { Count: > 0 } history)
        {
            string why = report.History is null ? report.HistoryAbsentReason : "no epoch has finished yet";
            html.Append($"<p class=\"absent\">No curves: {E(why)}.</p>\n</section>\n");
            return;
        }
        string evaluated = report.EvaluationSetName;
        var loss = new List<CurveSeries>
        {
            Series("train loss", CurvePanel.Loss, history, m => m.TrainLoss),
            Series($"{evaluated} loss", CurvePanel.Loss, history, m => m.TestLoss),
        };
        var accuracy = new List<CurveSeries>
        {
            Series("train accuracy", CurvePanel.Accuracy, history, m => m.TrainAccuracy),
            Series($"{evaluated} accuracy", CurvePanel.Accuracy, history, m => m.TestAccuracy),
        };
        var error = new List<CurveSeries>
        {
            Series("train error", CurvePanel.ErrorRate, history, m => 1 - m.TrainAccuracy),
            Series($"{evaluated} error", CurvePanel.ErrorRate, history, m => 1 - m.TestAccuracy),
        };
        loss.RemoveAll(NothingToDraw);
        accuracy.RemoveAll(NothingToDraw);
        error.RemoveAll(NothingToDraw);

        html.Append("<input type=\"checkbox\" id=\"log-scale\">")
            .Append("<label for=\"log-scale\" class=\"switch\">logarithmic scale <span>(loss, and error rate 1 − accuracy, so the first epochs do not squash the rest)</span></label>\n");
        html.Append("<div class=\"figures linear\">\n");
        AppendFigure(html, loss, logScale: false);
        AppendFigure(html, accuracy, logScale: false);
        html.Append("</div>\n<div class=\"figures log\">\n");
        AppendFigure(html, loss, logScale: true);
        AppendFigure(html, error, logScale: true);
        html.Append("</div>\n");

        var hidden = loss.Concat(error)
            .Select(s => (s.Name, Count: s.Points.Count(p => double.IsFinite(p.Y) && p.Y <= 0)))
            .Where(s => s.Count > 0)
            .Select(s => $"{s.Name} is 0 in {s.Count} epoch{(s.Count == 1 ? "" : "s")}")
            .ToList();
        if (hidden.Count > 0)
            html.Append($"<p class=\"note log-only\">On the log scale: {E(string.Join("; ", hidden))} — a logarithmic axis has no 0, so those points are left out.</p>\n");
        html.Append(string.Create(CultureInfo.InvariantCulture,
            $"<p class=\"note\">{history.Count} epoch{(history.Count == 1 ? "" : "s")}. Train figures are averaged over each epoch's batches while it trained; {E(evaluated)} figures are measured after the epoch.</p>\n"));
        html.Append("</section>\n");
    }

    private static CurveSeries Series(string name, CurvePanel panel, IReadOnlyList<EpochMetrics> history, Func<EpochMetrics, double> value) =>
        new(name, panel, history.Select(m => new CurvePoint(m.Epoch, value(m))).ToList());

    private static bool NothingToDraw(CurveSeries series) => !series.Points.Any(p => double.IsFinite(p.Y));

    private static void AppendFigure(StringBuilder html, List<CurveSeries> series, bool logScale)
    {
        if (series.Count == 0) return;
        html.Append("<figure>").Append(CurvesSvg.Render("", series, logScale: logScale)).Append("</figure>\n");
    }

    private static void AppendConfusion(StringBuilder html, ClassifierFindings findings)
    {
        var matrix = findings.Confusion;
        var names = findings.ClassNames;
        html.Append("<section id=\"confusion\">\n<h2>Confusion matrix</h2>\n");
        html.Append(string.Create(CultureInfo.InvariantCulture,
            $"<p>{matrix.Total:N0} test samples ({E(findings.TestSetName)}), {matrix.Correct:N0} right: accuracy {Percent((double)matrix.Correct / matrix.Total)}. "));
        html.Append("Rows are the true class, columns the predicted class; each cell counts the samples. "
            + "Blue cells on the diagonal are right answers, red cells mistakes; the shade is the cell's share of its row.</p>\n");
        bool vertical = names.Any(n => n.Length > 3);
        html.Append("<div class=\"scroll\">\n<table class=\"confusion\">\n<thead>\n<tr><th class=\"corner\" scope=\"col\">true \\ predicted</th>");
        for (int p = 0; p < matrix.NumClasses; p++)
            html.Append($"<th scope=\"col\" class=\"{(vertical ? "predicted vertical" : "predicted")}\"><span>{E(names[p])}</span></th>");
        html.Append("<th scope=\"col\" class=\"recall\">recall</th></tr>\n</thead>\n<tbody>\n");
        for (int t = 0; t < matrix.NumClasses; t++)
        {
            int support = matrix.Support(t);
            html.Append($"<tr><th scope=\"row\">{RowName(names[t])}</th>");
            for (int p = 0; p < matrix.NumClasses; p++)
            {
                int count = matrix.Count(t, p);
                double share = support == 0 ? 0 : (double)count / support;
                string title = string.Create(CultureInfo.InvariantCulture, $"true {names[t]}, predicted {names[p]}: {count} of {support}");
                html.Append($"<td style=\"{CellStyle(t == p, share, count)}\" title=\"{E(title)}\">{count.ToString(CultureInfo.InvariantCulture)}</td>");
            }
            double recall = matrix.Recall(t);
            html.Append($"<td class=\"recall\">{(double.IsNaN(recall) ? "–" : Percent(recall))}</td></tr>\n");
        }
        html.Append("</tbody>\n</table>\n</div>\n</section>\n");
    }

    // A phone has no room for "T-shirt/top" on one line beside ten columns: the name may break after its slash (the
    // stylesheet lets it wrap only on a narrow screen), never inside a word.
    private static string RowName(string name) => E(name).Replace("/", "/<wbr>", StringComparison.Ordinal);

    // Right answers in blue, mistakes in red, the strength of the colour the cell's share of its row. Mistakes are
    // rarer, so their scale saturates at half the row: a class losing a quarter of its samples to one other stands out.
    private static string CellStyle(bool diagonal, double share, int count)
    {
        if (count == 0) return "color:#8c959f";
        double strength = diagonal ? share : Math.Min(1, 2 * share);
        var (r, g, b) = diagonal ? (31, 111, 235) : (201, 42, 42);
        static int Mix(int to, double t) => (int)Math.Round(255 + (to - 255) * t);
        string text = strength > 0.55 ? "#fff" : "#24292f";
        double tint = 0.12 + 0.88 * strength;
        return string.Create(CultureInfo.InvariantCulture, $"background:rgb({Mix(r, tint)},{Mix(g, tint)},{Mix(b, tint)});color:{text}");
    }

    private static void AppendMistakes(StringBuilder html, ClassifierFindings findings)
    {
        var names = findings.ClassNames;
        int wrong = findings.Confusion.Total - findings.Confusion.Correct;
        html.Append("<section id=\"mistakes\">\n<h2>Most confident mistakes</h2>\n");
        if (findings.Misclassified.Count == 0)
        {
            html.Append("<p class=\"absent\">None: every test sample is classified correctly.</p>\n</section>\n");
            return;
        }
        string which = findings.Misclassified.Count == wrong
            ? string.Create(CultureInfo.InvariantCulture, $"All {wrong:N0} wrong predictions")
            : string.Create(CultureInfo.InvariantCulture, $"The {findings.Misclassified.Count} wrong predictions (of {wrong:N0}) the model was surest of");
        html.Append($"<p>{which}, surest first: confidence is the probability the model gave its answer. ");
        html.Append("Such mistakes are often mislabelled or unusual samples, or a pattern the model has learned wrongly.</p>\n");
        if (findings.Images is not { } images)
        {
            html.Append($"<p class=\"absent\">No pictures: {E(findings.ImagesAbsentReason)}.</p>\n");
            html.Append("<div class=\"scroll\"><table class=\"mistakes\"><thead><tr><th>test sample</th><th>true class</th><th>predicted</th><th>confidence</th></tr></thead><tbody>\n");
            foreach (var m in findings.Misclassified)
                html.Append($"<tr><td>#{m.Index}</td><td>{E(names[m.TrueClass])}</td><td>{E(names[m.PredictedClass])}</td><td>{Percent(m.Confidence)}</td></tr>\n");
            html.Append("</tbody></table></div>\n</section>\n");
            return;
        }
        html.Append("<div class=\"cards\">\n");
        foreach (var m in findings.Misclassified)
        {
            string uri = SampleUri(images, m.Index);
            html.Append("<figure class=\"card\">")
                .Append($"<img src=\"{uri}\" alt=\"test sample {m.Index}: a {E(names[m.TrueClass])} taken for a {E(names[m.PredictedClass])}\">")
                .Append("<figcaption>")
                .Append($"<span class=\"label\">true</span> <b>{E(names[m.TrueClass])}</b><br>")
                .Append($"<span class=\"label\">predicted</span> <b class=\"wrong\">{E(names[m.PredictedClass])}</b><br>")
                .Append($"<span class=\"label\">confidence</span> {Percent(m.Confidence)}<br>")
                .Append($"<span class=\"small\">p(true) {Percent(m.TrueClassProbability)} · test #{m.Index}</span>")
                .Append("</figcaption></figure>\n");
        }
        html.Append("</div>\n</section>\n");
    }

    private static void AppendSaliency(StringBuilder html, ClassifierFindings findings)
    {
        var names = findings.ClassNames;
        html.Append("<section id=\"saliency\">\n<h2>Saliency maps</h2>\n");
        if (findings.Images is not { } images)
        {
            html.Append($"<p class=\"absent\">Not drawn: {E(findings.ImagesAbsentReason)}; a saliency map is a picture of the input.</p>\n</section>\n");
            return;
        }
        html.Append("<p>For the first test image of each class: beside it, the gradient of the predicted class's score <i>s</i> (its logit, before the softmax) "
            + "with respect to every input pixel <i>x</i>, <span class=\"formula\">∂<i>s</i>/∂<i>x</i></span> — the input gradient, computed by the same backward pass that trains the model. "
            + "<span class=\"pos\">Red</span>: a higher pixel value (darker here) would raise <i>s</i>; <span class=\"neg\">blue</span>: it would lower it; white: no effect. "
            + "Each map has its own scale, <span class=\"formula\">±max |∂<i>s</i>/∂<i>x</i>|</span> (given below it), taken with respect to the standardised pixels the model reads.</p>\n");
        html.Append("<div class=\"cards wide\">\n");
        foreach (var map in findings.Saliency)
        {
            float limit = PixelImage.LargestMagnitude(map.Gradient);
            string gradientUri = PixelImage.Signed(map.Gradient, images.Channels, images.Height, images.Width, limit).DataUri();
            bool right = map.PredictedClass == map.TrueClass;
            html.Append("<figure class=\"card\"><div class=\"pair\">")
                .Append($"<img src=\"{SampleUri(images, map.Index)}\" alt=\"test sample {map.Index}, a {E(names[map.TrueClass])}\">")
                .Append($"<img src=\"{gradientUri}\" alt=\"saliency map of test sample {map.Index}\">")
                .Append("</div><figcaption>")
                .Append($"<span class=\"label\">true</span> <b>{E(names[map.TrueClass])}</b><br>")
                .Append($"<span class=\"label\">predicted</span> <b class=\"{(right ? "right" : "wrong")}\">{E(names[map.PredictedClass])}</b> {Percent(map.Confidence)}<br>")
                .Append($"<span class=\"small\"><span class=\"formula\">max |∂s/∂x| {CompactNumber.Format(limit)}</span> · test #{map.Index}</span>")
                .Append("</figcaption></figure>\n");
        }
        html.Append("</div>\n</section>\n");
    }

    private static void AppendWeights(StringBuilder html, ClassifierFindings findings)
    {
        html.Append("<section id=\"weights\">\n<h2>First-layer weights</h2>\n");
        if (findings.Weights is not { } weights)
        {
            html.Append($"<p class=\"absent\">Not drawn: {E(findings.WeightsAbsentReason)}.</p>\n</section>\n");
            return;
        }
        string unit = weights.IsConvolution ? "filter" : "unit";
        string what = weights.IsConvolution
            ? $"each filter's {weights.Height}×{weights.Width} kernel, slid over the image"
            : $"each unit's {weights.Channels * weights.Height * weights.Width} input weights laid out as the {weights.Height}×{weights.Width} image they multiply";
        string shown = weights.Tiles.Count < weights.Units ? $"the first {weights.Tiles.Count} of its {weights.Units} {unit}s" : $"its {weights.Units} {unit}s";
        html.Append($"<p>Layer {weights.Position}, {E(weights.Layer)}: {shown}, {what}. ")
            .Append($"<span class=\"pos\">Red</span> weights are positive (ink there raises the {unit}'s output), <span class=\"neg\">blue</span> negative; ")
            .Append("each tile has its own scale, ±its largest |weight|.")
            .Append(weights.IsOutputLayer ? " This layer is also the last, so unit c scores class c: each tile is what the model looks for in that class." : "")
            .Append("</p>\n");
        if (weights.Tiles.Count <= CaptionedTileLimit)
        {
            html.Append("<div class=\"cards tiles\">\n");
            for (int u = 0; u < weights.Tiles.Count; u++)
            {
                string caption = weights.IsOutputLayer && u < findings.ClassNames.Count ? findings.ClassNames[u] : $"{unit} {u}";
                string uri = PixelImage.Signed(weights.Tiles[u], weights.Channels, weights.Height, weights.Width, PixelImage.LargestMagnitude(weights.Tiles[u])).DataUri();
                html.Append($"<figure class=\"card\"><img src=\"{uri}\" alt=\"weights of {E(caption)}\"><figcaption>{E(caption)}</figcaption></figure>\n");
            }
            html.Append("</div>\n");
        }
        else
        {
            var (uri, columns) = WeightGrid(weights);
            html.Append($"<figure class=\"grid\"><img src=\"{uri}\" alt=\"{weights.Tiles.Count} tiles of first-layer weights, {columns} per row\" style=\"max-width:{columns * Math.Max(56, 2 * (weights.Width + 1))}px\"></figure>\n");
        }
        html.Append("</section>\n");
    }

    // All tiles in one picture, one pixel of grey between them: hundreds of tiny images would bloat the page. The
    // page draws each tile at least 56 pixels wide (an 8×8 kernel at 7 screen pixels a weight), or at twice its size.
    private static (string Uri, int Columns) WeightGrid(FirstLayerWeights weights)
    {
        int count = weights.Tiles.Count;
        int columns = (int)Math.Ceiling(Math.Sqrt(count));
        int rows = (count + columns - 1) / columns;
        int w = weights.Width, h = weights.Height;
        var grid = new PixelImage(columns * (w + 1) + 1, rows * (h + 1) + 1, (208, 215, 222));
        for (int u = 0; u < count; u++)
        {
            var tile = PixelImage.Signed(weights.Tiles[u], weights.Channels, h, w, PixelImage.LargestMagnitude(weights.Tiles[u]));
            int left = 1 + u % columns * (w + 1), top = 1 + u / columns * (h + 1);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) grid.Set(left + x, top + y, tile.Get(x, y));
        }
        return (grid.DataUri(), columns);
    }

    private static string SampleUri(SampleImages images, int index) =>
        PixelImage.Sample(images.Pixels(index), images.Channels, images.Height, images.Width, images.Low, images.High).DataUri();

    private static string Percent(double share) =>
        double.IsFinite(share) ? (100 * share).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "–";

    private static string E(string text) => XmlText.Escape(text);
}
