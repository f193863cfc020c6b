using Backprop.Cli;
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

    private static async Task<string?> Display(BrowserPage page, string selector) =>
        (await page.EvaluateAsync($"getComputedStyle(document.querySelector('{selector}')).display")).GetString();
}
