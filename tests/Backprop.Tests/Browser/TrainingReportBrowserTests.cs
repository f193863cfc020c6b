using Backprop.Cli;
using Backprop.Data;
using Backprop.Tests.Data;
using Backprop.Tests.Requirements;

namespace Backprop.Tests.Browser;

/// <summary>
/// report.html of a short training on the embedded digits, in Chromium at a 1280×800 screen and a 390×844 phone:
/// every picture decodes, the log-scale switch swaps the curves, no label of a figure covers another, the page never
/// scrolls sideways, the console stays clean; screenshots go to docs/images/ (training-report-*.png).
/// </summary>
[Collection(BrowserCollection.Name)]
public class TrainingReportBrowserTests
{
    private static readonly (int Width, int Height, string Name)[] Viewports = [(1280, 800, "desktop"), (390, 844, "phone")];

    [BrowserFact]
    public async Task Report_switches_to_log_scale_without_errors_at_a_screen_and_a_phone_size()
    {
        using var dir = new ScratchDirectory();
        string run = dir.File("run");
        var stderr = new StringWriter();
        int code = CommandLine.Run(["train", "--model", "mlp:64", "--epochs", "12", "--batch-size", "32", "--out", run], new StringWriter(), stderr);
        Assert.True(code == 0, stderr.ToString());
        string report = Path.Combine(run, "report.html");
        string images = Path.Combine(RepositoryFiles.Path("docs/images"));

        await using var browser = await HeadlessBrowser.LaunchAsync();
        foreach (var (width, height, name) in Viewports)
        {
            BrowserPage page = await browser.OpenAsync(report, width, height);
            Assert.True((await page.EvaluateAsync("[...document.images].every(i => i.complete && i.naturalWidth > 0)")).GetBoolean(), $"{name}: a picture did not decode");
            Assert.Equal(2 * 10, await page.CountAsync("#saliency img")); // a picture and its map for each digit
            Assert.InRange(await page.CountAsync("#mistakes img"), 1, 12);
            Assert.Equal(1, await page.CountAsync("#weights img")); // 64 tiles share one picture
            Assert.Equal("flex", await Display(page, ".figures.linear"));
            Assert.Equal("none", await Display(page, ".figures.log"));
            Assert.Empty(await page.OverlapsAsync(".figures.linear svg text"));

            await page.ClickAsync("#log-scale");
            Assert.True((await page.EvaluateAsync("document.getElementById('log-scale').checked")).GetBoolean());
            Assert.Equal("none", await Display(page, ".figures.linear"));
            Assert.Equal("flex", await Display(page, ".figures.log"));
            Assert.Contains("log scale", await page.TextAsync(".figures.log") ?? "");
            Assert.Empty(await page.OverlapsAsync(".figures.log svg text"));
            Assert.True((await page.EvaluateAsync("document.documentElement.scrollWidth <= window.innerWidth")).GetBoolean(), $"{name}: the page scrolls sideways");
            await page.ScreenshotAsync(Path.Combine(images, $"training-report-{name}-curves.png"));

            await page.EvaluateAsync("document.getElementById('confusion').scrollIntoView()");
            await page.ScreenshotAsync(Path.Combine(images, $"training-report-{name}-confusion.png"));
            await page.EvaluateAsync("document.getElementById('saliency').scrollIntoView()");
            await page.ScreenshotAsync(Path.Combine(images, $"training-report-{name}-saliency.png"));

            await page.ClickAsync("#log-scale");
            Assert.Equal("flex", await Display(page, ".figures.linear"));
            Assert.Empty(page.ConsoleErrors);
        }
    }

    /// <summary>
    /// Fashion-MNIST's ten garments ("T-shirt/top", "Ankle boot", ...) and four-digit counts make the widest confusion
    /// matrix the CLI draws: at a phone's 390 pixels as at a screen's 1280 the whole table is in view (no sideways
    /// scrolling of the page, nothing hidden in a scrolling box), no text sticks out of its cell or covers another,
    /// the numbers are no smaller than 11 pixels, and every class is named in full.
    /// </summary>
    [FashionMnistBrowserFact]
    public async Task Fashion_mnist_confusion_matrix_fits_a_phone_and_a_screen_without_clipping()
    {
        using var dir = new ScratchDirectory();
        string run = dir.File("run");
        var stderr = new StringWriter();
        int code = CommandLine.Run(["train", "--data", "fashion-mnist", "--model", "mlp:64", "--epochs", "2", "--batch-size", "128", "--out", run], new StringWriter(), stderr);
        Assert.True(code == 0, stderr.ToString());
        string report = Path.Combine(run, "report.html");
        string images = RepositoryFiles.Path("docs/images");

        await using var browser = await HeadlessBrowser.LaunchAsync();
        foreach (var (width, height, name) in Viewports)
        {
            BrowserPage page = await browser.OpenAsync(report, width, height);
            await page.EvaluateAsync("document.getElementById('confusion').scrollIntoView()");
            await page.ScreenshotAsync(Path.Combine(images, $"training-report-fashion-{name}-confusion.png"));
            Assert.True((await page.EvaluateAsync("document.documentElement.scrollWidth <= window.innerWidth")).GetBoolean(),
                $"{name}: the page scrolls sideways ({(await page.EvaluateAsync("document.documentElement.scrollWidth")).GetDouble()} > {width})");
            var problems = (await page.EvaluateAsync(ConfusionTableProblems)).EnumerateArray().Select(p => p.GetString()).ToList();
            Assert.True(problems.Count == 0, $"{name}: " + string.Join("; ", problems));
            Assert.Empty(await page.OverlapsAsync("table.confusion thead th > span, table.confusion tbody th > span, table.confusion td"));
            var named = (await page.EvaluateAsync(ClassNamesShown)).EnumerateArray().Select(n => n.GetString()).ToList();
            foreach (string garment in FashionMnist.ClassNames) Assert.Contains(garment, named);
            Assert.Empty(page.ConsoleErrors);
        }
    }

    // What a reader of the table would call wrong with it, measured on the laid-out boxes: the table not wholly in the
    // viewport, part of it hidden in its scrolling box, a text outside its cell (the text's own box, which for a
    // turned header is the turned box), a number drawn under 11 pixels.
    private const string ConfusionTableProblems = """
        (() => {
          const problems = [], width = window.innerWidth, slack = 0.5;
          const table = document.querySelector('table.confusion'), box = table.parentElement;
          const t = table.getBoundingClientRect();
          if (t.left < -slack || t.right > width + slack) problems.push(`the table spans x ${t.left.toFixed(1)}..${t.right.toFixed(1)} of ${width}`);
          if (box.scrollWidth > box.clientWidth + slack) problems.push(`its box hides ${box.scrollWidth - box.clientWidth} px`);
          for (const cell of table.querySelectorAll('th, td')) {
            const c = cell.getBoundingClientRect(), range = document.createRange();
            range.selectNodeContents(cell);
            const r = range.getBoundingClientRect();
            if (r.width === 0 && r.height === 0) continue;
            if (r.left < c.left - slack || r.right > c.right + slack || r.top < c.top - slack || r.bottom > c.bottom + slack)
              problems.push(`"${cell.textContent}" (${r.left.toFixed(1)}..${r.right.toFixed(1)} × ${r.top.toFixed(1)}..${r.bottom.toFixed(1)}) sticks out of its cell (${c.left.toFixed(1)}..${c.right.toFixed(1)} × ${c.top.toFixed(1)}..${c.bottom.toFixed(1)})`);
            if (c.right > width + slack) problems.push(`"${cell.textContent}" ends at x ${c.right.toFixed(1)}, past the viewport's ${width}`);
            const size = parseFloat(getComputedStyle(cell).fontSize);
            if (cell.tagName === 'TD' && size < 11) problems.push(`"${cell.textContent}" is drawn at ${size} px`);
          }
          return problems;
        })()
        """;

    // The class names a reader sees: the visible text of the headers and of the table's key, where there is one.
    private const string ClassNamesShown = """
        [...document.querySelectorAll('#confusion th, #confusion .key dd, #confusion .key li')]
          .filter(e => e.getBoundingClientRect().width > 0).map(e => e.innerText.trim())
        """;

    private static async Task<string?> Display(BrowserPage page, string selector) =>
        (await page.EvaluateAsync($"getComputedStyle(document.querySelector('{selector}')).display")).GetString();
}
