using System.Text.Json;
using System.Text.RegularExpressions;
using Backprop.Data;
using Backprop.Tests.Data;
using static Backprop.Tests.Cli.EvalCommandTests;

namespace Backprop.Tests.Cli;

// report.html from `train` and `eval --report`, and the class names of eval and predict, in-process with tiny budgets
// (an MLP of 16 units, two epochs of the embedded digits: well under a second).
public partial class TrainingReportCommandTests
{
    private static readonly string[] TinyDigits = ["--model", "mlp:16", "--epochs", "2", "--batch-size", "64"];
    private static readonly string[] Digits = [.. Enumerable.Range(0, 10).Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    private static string TrainDigits(ScratchDirectory dir, out string output)
    {
        string run = dir.File("run");
        var (code, stdout, error) = Run(["train", .. TinyDigits, "--out", run]);
        Assert.True(code == 0, error);
        output = stdout;
        return run;
    }

    [Fact]
    public void Train_on_the_digits_writes_report_html_beside_the_curves_with_every_section()
    {
        using var dir = new ScratchDirectory();
        string run = TrainDigits(dir, out string output);
        string path = Path.Combine(run, "report.html");
        Assert.Contains($", {path}", output);
        Assert.Equal(["curves.svg", "metrics.csv", "model.safetensors", "report.html"], Directory.GetFiles(run).Select(Path.GetFileName).Order());

        string html = File.ReadAllText(path);
        Assert.Contains("<h1>digits · mlp:16</h1>", html);
        var matrix = ConfusionCells(html);
        Assert.Equal(359, matrix.Sum(row => row.Sum())); // the digits' test split
        Assert.Equal(Digits, ColumnHeaders(html));
        Assert.Equal(8, Regex.Count(Section(html, "curves"), "<polyline")); // two epochs: loss and accuracy, train and test, linear and log
        Assert.Equal(10, Regex.Count(Section(html, "saliency"), "<figure class=\"card\">")); // one test image per digit
        Assert.Contains("Layer 1, Linear(64 → 16): its 16 units", html);
        Assert.Contains("<section id=\"mistakes\">", html);
    }

    [Fact]
    public void Eval_report_draws_the_checkpoints_history_and_counts_what_eval_counts()
    {
        using var dir = new ScratchDirectory();
        string run = TrainDigits(dir, out _);
        string report = dir.File("eval/report.html");
        var (code, output, error) = Run(["eval", Path.Combine(run, "model.safetensors"), "--report", report, "--json"]);
        Assert.True(code == 0, error);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal(report, json.GetProperty("report").GetString());
        Assert.Equal(Digits, json.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));

        string html = File.ReadAllText(report);
        var fromEval = json.GetProperty("confusion").EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetInt32()).ToArray()).ToArray();
        Assert.Equal(fromEval, ConfusionCells(html));
        // The curves come from the checkpoint's history: the same page train wrote, apart from the summary.
        Assert.Equal(Section(File.ReadAllText(Path.Combine(run, "report.html")), "curves"), Section(html, "curves"));
        Assert.Contains("<dt>epochs trained</dt><dd>2</dd>", html);
    }

    [Fact]
    public void Eval_report_of_a_checkpoint_without_history_says_so_and_feature_vectors_get_no_pictures()
    {
        using var dir = new ScratchDirectory();
        string csv = dir.File("three.csv");
        File.WriteAllLines(csv, ["a,b,c,label", .. Enumerable.Repeat((string[])["2,1,0,0", "0,1,3,1", "0,0,1,2"], 10).SelectMany(r => r)]);
        string checkpoint = SaveLinearCheckpoint(dir, [3], new float[,] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } });
        string report = dir.File("report.html");
        var (code, output, error) = Run(["eval", checkpoint, "--data", "csv:" + csv, "--report", report]);
        Assert.True(code == 0, error);
        Assert.EndsWith($"wrote {report}", output.TrimEnd());
        string html = File.ReadAllText(report);
        Assert.Contains("No curves: the checkpoint holds no training history", html);
        // Class 1's rows (0, 1, 3) are all taken for class 2, with the softmax's confidence e³ / (1 + e + e³).
        Assert.Equal([[2, 0, 0], [0, 0, 2], [0, 0, 2]], ConfusionCells(html));
        Assert.Contains((100 * Math.Exp(3) / (1 + Math.E + Math.Exp(3))).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "%", Section(html, "mistakes"));
        Assert.Contains("Not drawn: the samples are not images (each is [3])", html);
        Assert.DoesNotContain("<img", html);
    }

    [Fact]
    public void A_run_without_test_samples_still_finishes_and_its_report_says_why_the_findings_are_missing()
    {
        using var dir = new ScratchDirectory();
        string csv = dir.File("tiny.csv");
        File.WriteAllLines(csv, ["0,0,0", "1,1,1"]); // one row per class: round(0.2 · 1) = 0 test rows
        string run = dir.File("run");
        var (code, _, error) = Run(["train", "--data", "csv:" + csv, "--model", "mlp:4", "--epochs", "2", "--out", run]);
        Assert.True(code == 0, error);
        string html = File.ReadAllText(Path.Combine(run, "report.html"));
        Assert.Equal(4, Regex.Count(html, "Does not apply: the test set &#39;[^&]*&#39; has no samples, so there is nothing to classify."));
        Assert.Contains("<polyline", Section(html, "curves")); // the training curves are there
    }

    [Fact]
    public void Eval_report_needs_a_file_name()
    {
        using var dir = new ScratchDirectory();
        string checkpoint = SaveLinearCheckpoint(dir, [3], new float[,] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } });
        var (code, _, error) = Run(["eval", checkpoint, "--report", ""]);
        Assert.Equal(2, code);
        Assert.Contains("--report needs a file name", error);
    }

    // A linear model on 784 pixels whose unit c reads pixel c alone: a row lit only at pixel c is class c.
    private static string FashionCheckpoint(ScratchDirectory dir)
    {
        var weight = new float[10, 784];
        for (int c = 0; c < 10; c++) weight[c, c] = 1;
        return SaveLinearCheckpoint(dir, [1, 28, 28], weight, """{"data":"fashion-mnist"}""");
    }

    private static string LitRows(ScratchDirectory dir, params (int Pixel, int Label)[] rows)
    {
        string path = dir.File("rows.csv");
        File.WriteAllLines(path, rows.Select(r => string.Join(",", Enumerable.Range(0, 784).Select(i => i == r.Pixel ? "255" : "0")) + "," + r.Label));
        return path;
    }

    [Fact]
    public void Predict_names_fashion_mnist_classes_in_the_table_and_in_json()
    {
        using var dir = new ScratchDirectory();
        string checkpoint = FashionCheckpoint(dir);
        string rows = LitRows(dir, (1, 1), (9, 7));
        var names = FashionMnist.ClassNames;

        var (code, output, error) = Run(["predict", checkpoint, "--input", rows, "--label-column", "-1", "--json", "--top", "2"]);
        Assert.True(code == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(["Trouser", "Ankle boot"], lines.Select(l => l.GetProperty("predicted_name").GetString()));
        Assert.Equal(["Trouser", "Sneaker"], lines.Select(l => l.GetProperty("label_name").GetString()));
        Assert.Equal([1, 7], lines.Select(l => l.GetProperty("label").GetInt32()));
        var top = lines[1].GetProperty("top").EnumerateArray().ToArray();
        Assert.Equal(9, top[0].GetProperty("class").GetInt32());
        Assert.Equal("Ankle boot", top[0].GetProperty("name").GetString());
        Assert.Equal(names[0], top[1].GetProperty("name").GetString()); // the rest tie at logit 0: the lowest class

        var (textCode, table, textError) = Run(["predict", checkpoint, "--input", rows, "--label-column", "-1"]);
        Assert.True(textCode == 0, textError);
        var tableLines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("p(T-shirt/top)", tableLines[0]);
        Assert.Contains("p(Ankle boot)", tableLines[0]);
        Assert.Equal(["1", "Trouser", "Trouser"], tableLines[1].Split("  ", StringSplitOptions.RemoveEmptyEntries).Take(3).Select(s => s.Trim()));
        Assert.Equal(["2", "Sneaker", "Ankle boot"], tableLines[2].Split("  ", StringSplitOptions.RemoveEmptyEntries).Take(3).Select(s => s.Trim()));
    }

    private static string Section(string html, string id)
    {
        int start = html.IndexOf($"<section id=\"{id}\">", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section {id}");
        return html[start..(html.IndexOf("</section>", start, StringComparison.Ordinal) + "</section>".Length)];
    }

    private static int[][] ConfusionCells(string html) =>
        [.. RowPattern().Matches(Section(html, "confusion"))
            .Select(row => CellPattern().Matches(row.Groups[1].Value).Select(c => int.Parse(c.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray())];

    private static IEnumerable<string> ColumnHeaders(string html) =>
        ColumnPattern().Matches(Section(html, "confusion")).Select(m => m.Groups[1].Value);

    [GeneratedRegex("<tr><th scope=\"row\">(?:[^<]|<wbr>)*</th>(.*?)</tr>")]
    private static partial Regex RowPattern();

    [GeneratedRegex("<td style=\"[^\"]*\" title=\"[^\"]*\">(\\d+)</td>")]
    private static partial Regex CellPattern();

    [GeneratedRegex("<th scope=\"col\" class=\"predicted[^\"]*\"><span>([^<]*)</span></th>")]
    private static partial Regex ColumnPattern();
}
