using System.Text.RegularExpressions;
using Backprop.NN;
using Backprop.Teaching.Reports;
using Backprop.Training;

namespace Backprop.Tests.Reports;

public partial class TrainingReportHtmlTests
{
    private static readonly string[] Garments = ["T-shirt/top", "Trouser", "Pullover"];

    private static readonly EpochMetrics[] History =
    [
        new(1, 1.9, 0.42, 1.2, 0.61, 0.5),
        new(2, 0.8, 0.75, 0.7, 0.78, 0.5),
        new(3, 0.2, 1.0, 0.4, 0.86, 0.5), // train error 0: not on a log axis
    ];

    private static (TrainingReport Report, ClassifierFindings Findings) ImageReport()
    {
        var model = ModelSpec.Parse("mlp:6").Build([1, 4, 4], 3, new Generator(4));
        var findings = ClassifierFindings.Analyze(model, ReportModels.RandomImages(30, seed: 9), Garments);
        var report = new TrainingReport
        {
            Title = "images <b>&</b> · mlp:6",
            Facts = [new("data", "images"), new("test accuracy", "0.3333")],
            History = History,
            Classifier = findings,
        };
        return (report, findings);
    }

    [Fact]
    public void The_page_is_self_contained_and_every_picture_is_an_inline_png()
    {
        string html = ImageReport().Report.ToHtml();
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("url(", html);
        // The only address is the SVG namespace, which is a name, not something fetched.
        Assert.All(AddressPattern().Matches(html), m => Assert.Equal("http://www.w3.org/2000/svg", m.Value));
        var sources = ImageSourcePattern().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(sources);
        foreach (string source in sources)
        {
            Assert.StartsWith("data:image/png;base64,", source);
            Assert.Equal([0x89, 0x50, 0x4E, 0x47], Convert.FromBase64String(source["data:image/png;base64,".Length..])[..4]);
        }
        Assert.Contains("images &lt;b&gt;&amp;&lt;/b&gt; · mlp:6", html);
        Assert.DoesNotContain("<b>&</b>", html);
    }

    [Fact]
    public void The_confusion_table_shows_the_class_names_and_the_matrix_counts()
    {
        var (report, findings) = ImageReport();
        string html = report.ToHtml();
        string table = html[html.IndexOf("<table class=\"confusion\">", StringComparison.Ordinal)..html.IndexOf("</table>", StringComparison.Ordinal)];
        Assert.Equal(Garments, ColumnHeaderPattern().Matches(table).Select(m => m.Groups[1].Value));
        var rows = RowPattern().Matches(table).ToList();
        Assert.Equal(Garments, rows.Select(r => r.Groups[1].Value.Replace("<wbr>", "", StringComparison.Ordinal)));
        for (int t = 0; t < 3; t++)
        {
            var cells = CellPattern().Matches(rows[t].Groups[2].Value).Select(m => int.Parse(m.Groups[1].Value)).ToList();
            Assert.Equal(Enumerable.Range(0, 3).Select(p => findings.Confusion.Count(t, p)), cells);
        }
        Assert.Equal(30, findings.Confusion.Total);
    }

    [Fact]
    public void Curves_come_in_a_linear_and_a_log_set_and_the_log_set_says_what_it_leaves_out()
    {
        string html = ImageReport().Report.ToHtml();
        Assert.Contains("<input type=\"checkbox\" id=\"log-scale\">", html);
        string linear = Between(html, "<div class=\"figures linear\">", "</div>");
        string log = Between(html, "<div class=\"figures log\">", "</div>");
        Assert.Equal(4, Regex.Count(linear, "<polyline"));
        Assert.Equal(4, Regex.Count(log, "<polyline"));
        Assert.Contains(">loss<", linear);
        Assert.Contains(">accuracy<", linear);
        Assert.Contains(">loss, log scale<", log);
        Assert.Contains(">error rate (1 − accuracy), log scale<", log);
        Assert.Contains("train error is 0 in 1 epoch", html);
    }

    [Fact]
    public void Every_section_is_there_with_its_heading()
    {
        string html = ImageReport().Report.ToHtml();
        foreach (string id in (string[])["curves", "confusion", "mistakes", "saliency", "weights"])
            Assert.Contains($"<section id=\"{id}\">", html);
        Assert.Contains("Layer 1, Linear(16 → 6)", html);
        Assert.Contains("class=\"cards tiles\"", html); // six tiles, each with a caption
    }

    [Fact]
    public void A_curves_only_report_says_why_the_other_sections_do_not_apply()
    {
        string html = new CurvesOnlyReport("text:moby.txt · gpt", [new("data", "text:moby.txt")], "a language model has no images").Render(History);
        Assert.Equal(4, Regex.Count(html, "Does not apply: a language model has no images."));
        Assert.Contains("validation loss", html);
        Assert.DoesNotContain("<img", html);
    }

    [Fact]
    public void Missing_history_and_feature_vectors_are_named_in_place_of_what_they_would_show()
    {
        var model = ModelSpec.Parse("mlp:4").Build([2], 2, new Generator(4));
        var data = ReportModels.Rows([[1, 0], [0, 1], [1, 1], [0, 0]], [0, 1, 1, 0], 2);
        string html = new TrainingReport
        {
            Title = "points",
            HistoryAbsentReason = "the checkpoint holds no training history",
            Classifier = ClassifierFindings.Analyze(model, data, ["0", "1"]),
        }.ToHtml();
        Assert.Contains("No curves: the checkpoint holds no training history.", html);
        Assert.Contains("the samples are not images (each is [2])", html);
        Assert.Contains("Not drawn: the inputs are not images (each sample is [2])", html);
        Assert.DoesNotContain("<img", html);
    }

    private static string Between(string text, string start, string end)
    {
        int from = text.IndexOf(start, StringComparison.Ordinal) + start.Length;
        return text[from..text.IndexOf(end, from, StringComparison.Ordinal)];
    }

    [GeneratedRegex("https?://[^\"' )]+")]
    private static partial Regex AddressPattern();

    [GeneratedRegex("<img src=\"([^\"]*)\"")]
    private static partial Regex ImageSourcePattern();

    [GeneratedRegex("<th scope=\"col\" class=\"predicted[^\"]*\"><span>([^<]*)</span></th>")]
    private static partial Regex ColumnHeaderPattern();

    [GeneratedRegex("<tr><th scope=\"row\">((?:[^<]|<wbr>)*)</th>(.*?)</tr>")]
    private static partial Regex RowPattern();

    [GeneratedRegex("<td style=\"[^\"]*\" title=\"[^\"]*\">(\\d+)</td>")]
    private static partial Regex CellPattern();
}
