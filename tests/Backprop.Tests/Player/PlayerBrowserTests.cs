using Backprop.Tests.Browser;
using Backprop.Tests.Requirements;

namespace Backprop.Tests.Player;

/// <summary>
/// The committed players in a real browser: stepping with the keyboard reaches the gradients the texts compute, no
/// script error, no two labels on top of each other, at a laptop's and a phone's viewport. The screenshots go to
/// docs/images (committed, and looked at) when tools/make-players.sh runs these tests.
/// </summary>
[Collection(BrowserCollection.Name)]
public class PlayerBrowserTests
{
    private const string Phone = "390x844";

    private static string PlayerFile(string file) => RepositoryFiles.Path("docs/players/" + file);

    // Into docs/images when the players are being remade (tools/make-players.sh), else beside the test run, so an
    // ordinary run leaves the checkout as it was.
    private static string Screenshot(string name) => Environment.GetEnvironmentVariable("BACKPROP_UPDATE_PLAYERS") == "1"
        ? Path.Combine(RepositoryFiles.Root, "docs", "images", name)
        : Path.Combine(Path.GetTempPath(), "backprop-player-screenshots", name);

    // What must not overlap: the edge labels, the node names and totals, the badges (only those shown are compared).
    private const string Labels = "svg .label, svg .node text.name, svg .node text.total";

    [BrowserFact]
    public async Task StepsOfTheFirstExampleReachW18AtBothSizes()
    {
        await using var browser = await HeadlessBrowser.LaunchAsync();
        foreach ((int width, int height, string suffix) in new[] { (1280, 800, "1280x800"), (390, 844, Phone) })
        {
            BrowserPage page = await browser.OpenAsync(PlayerFile("circuit.html"), width, height);
            Assert.Equal("forward", await Evaluated(page, "document.getElementById('detail').dataset.phase"));
            int presses = await StepUntil(page, "backward", "w");
            Assert.Equal("18", await page.TextAsync("#detail output.total"));
            Assert.Contains("from 2*w: 9 × 2 = 18", await page.TextAsync("#detail"));
            Assert.Equal(12 + 7, presses); // twelve forward frames (the constants too), then seven backward steps from z to w's
            Assert.Empty(await page.OverlapsAsync(Labels));
            await page.ScreenshotAsync(Screenshot($"player-circuit-w-{suffix}.png"));

            await page.PressAsync("ArrowLeft", 2); // back past 2*w to b's leaf step: 27 + 36 = 63
            Assert.Equal("b", await Evaluated(page, "document.getElementById('detail').dataset.node"));
            string atB = (await page.TextAsync("#detail"))!;
            Assert.Contains("from 3*b: 9 × 3 = 27", atB);
            Assert.Contains("from 2*b: 18 × 2 = 36", atB);
            Assert.Contains("27 + 36 = 63", atB);
            Assert.Equal("∂ = 63", await page.TextAsync("svg .node.input.reached text.total"));
            await page.PressAsync("End");
            Assert.Empty(await page.OverlapsAsync(Labels));
            Assert.Empty(page.ConsoleErrors);
        }
    }

    [BrowserFact]
    public async Task EverySeedPlayerRunsToTheEndWithoutErrorsOrOverlaps()
    {
        await using var browser = await HeadlessBrowser.LaunchAsync();
        foreach (var example in PlayerExamples.All)
        {
            BrowserPage page = await browser.OpenAsync(PlayerFile(example.File));
            await page.PressAsync("End");
            string phase = (await Evaluated(page, "document.getElementById('detail').dataset.phase"))!;
            Assert.True(phase is "done" or "solve", $"{example.File}: ends in {phase}");
            Assert.True(await page.CountAsync("#detail table") > 0, example.File);
            Assert.Equal([], await page.OverlapsAsync(Labels));
            Assert.Equal([], page.ConsoleErrors);
            if (example.File == "sigmoid.html") await page.ScreenshotAsync(Screenshot("player-sigmoid-end-1280x800.png"));
            if (example.File == "unused-input.html")
                Assert.Contains("out does not depend on v1", await page.TextAsync("#detail"));
        }
    }

    [BrowserFact]
    public async Task SolvePlayerShowsEachStepAndConverges()
    {
        await using var browser = await HeadlessBrowser.LaunchAsync();
        BrowserPage page = await browser.OpenAsync(PlayerFile("circuit-solve-wb.html"));
        await page.PressAsync("ArrowRight");
        string step = (await page.TextAsync("#detail"))!;
        Assert.Contains("Δ = 150 − 162 = -12", step);
        Assert.Contains("150.2215", step);
        await page.PressAsync("End");
        Assert.Equal("150", await page.TextAsync("#detail output.total"));
        Assert.Contains("converged after 3 steps", await page.TextAsync("#detail"));
        Assert.Empty(page.ConsoleErrors);
        await page.ScreenshotAsync(Screenshot("player-solve-1280x800.png"));
    }

    // The first step of each, derived by hand: f = (w − 3)² + 2(b + 1)² at (0, 0) has ∇f = (−6, 4), so lr = 0.25 moves
    // w by 1.5 and b by −1; the Rosenbrock f at (−1, 1) has ∇f = (−4, 0) and H = [[82, 40], [40, 20]], whose solve is
    // Δ = (2, −4); f = x − ln x at 0.5 has f′ = 1 − 1/x = −1 and f″ = 1/x² = 4, so Δx = 0.25.
    private static readonly Dictionary<string, string[]> FirstMinimizeSteps = new()
    {
        ["minimize-gradient.html"] = ["Δw = −0.25 × ∂f/∂w = −0.25 × (-6) = 1.5", "w ← 0 + 1.5 = 1.5", "b ← 0 + (-1) = -1"],
        ["minimize-newton.html"] = ["∇f = (-4, 0), H = [[82, 40], [40, 20]]", "gives Δ = (2, -4)", "x ← -1 + 2 = 1", "y ← 1 + (-4) = -3"],
        ["minimize-newton-1d.html"] = ["f′ = ∂f/∂x = -1, f″ = ∂²f/∂x² = 4", "Δx = −f′ / f″ = −(-1) / 4 = 0.25", "x ← 0.5 + 0.25 = 0.75"],
    };

    [BrowserFact]
    public async Task MinimizePlayersStepToTheEnginesMinimum()
    {
        await using var browser = await HeadlessBrowser.LaunchAsync();
        Assert.Equal(FirstMinimizeSteps.Keys.Order(), PlayerExamples.Minimizations.Select(m => m.File).Order());
        foreach (var example in PlayerExamples.Minimizations)
            await StepToTheMinimum(browser, example, FirstMinimizeSteps[example.File]);
    }

    private static async Task StepToTheMinimum(HeadlessBrowser browser, PlayerExamples.Minimization example, string[] firstStep)
    {
        string file = example.File;
        Teaching.Expressions.MinimizeResult result = example.Run();
        Assert.True(result.Converged, file);
        bool screenshot = file == "minimize-gradient.html";
        foreach ((int width, int height, string suffix) in screenshot ? new[] { (1280, 800, "1280x800"), (390, 844, Phone) } : [(1280, 800, "1280x800")])
        {
            BrowserPage page = await browser.OpenAsync(PlayerFile(file), width, height);
            Assert.Contains("start", await page.TextAsync("#detail h2"));
            await page.PressAsync("ArrowRight");
            string step = (await page.TextAsync("#detail"))!;
            foreach (string part in firstStep) Assert.Contains(part, step);

            await page.PressAsync("End");
            Assert.Equal("solve", await Evaluated(page, "document.getElementById('detail').dataset.phase"));
            Assert.Contains($"step {result.Steps} of {result.Steps}", await page.TextAsync("#detail h2"));
            // The last row of the table, as displayed: iter, the varied inputs, the output, then the gradients.
            string cells = (await page.EvaluateAsync("JSON.stringify([...document.querySelectorAll('#detail tr.current td')].map(td => td.textContent))")).GetString()!;
            string[] row = System.Text.Json.JsonSerializer.Deserialize<string[]>(cells)!;
            Assert.Equal(result.Steps.ToString(System.Globalization.CultureInfo.InvariantCulture), row[0]);
            for (int i = 0; i < result.Varied.Count; i++) AssertShows(result.Solution[i].Value, row[1 + i]);
            AssertShows(result.Output, row[1 + result.Varied.Count]);
            AssertShows(result.Output, (await page.TextAsync("#detail output.total"))!);
            Assert.Contains(Teaching.Expressions.MinimizeText.Outcome(result), await page.TextAsync("#detail"));
            Assert.Empty(await page.OverlapsAsync(Labels));
            // The last point's numbers are longer than the start's, for which the labels were placed: none runs into a gate.
            Assert.Empty(await page.OverlapsAsync("svg .label.value, svg .node > circle"));
            Assert.Empty(page.ConsoleErrors);
            if (screenshot) await page.ScreenshotAsync(Screenshot($"player-minimize-{suffix}.png"));
        }
    }

    // The player rounds to about four significant digits (four decimals from 1 up).
    private static void AssertShows(double expected, string shown)
    {
        double value = double.Parse(shown, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(value - expected) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"shows {shown}, the engine has {expected}");
    }

    // docs/tutorial.md §8: from X = 2 Halley's step goes to X = 2.080224462 (Newton's would go to 2.0787).
    [BrowserFact]
    public async Task HalleySolvePlayerShowsHalleysStep()
    {
        using var scratch = new Data.ScratchDirectory();
        var syntax = Teaching.Expressions.Parser.Parse("A = X + 1; B = A^2; C = ln(B); D = sqrt(C); E = D - 1");
        var start = new Dictionary<string, double> { ["X"] = 2 };
        var result = Teaching.Expressions.Solver.Solve(syntax, start, 0.5, ["X"], new(Method: Teaching.Expressions.SolveMethod.Halley));
        Teaching.Player.Explain.Solve(result, syntax, start).WriteHtml(scratch.File("halley.html"));
        await using var browser = await HeadlessBrowser.LaunchAsync();
        BrowserPage page = await browser.OpenAsync(scratch.File("halley.html"));
        await page.PressAsync("ArrowRight");
        string step = (await page.TextAsync("#detail"))!;
        Assert.Contains("e = -0.0177, f′ = ∂E/∂X = 0.2249, f″ = ∂²E/∂X² = -0.1091", step);
        Assert.Contains("ΔX = −2·e·f′ / (2·f′² − e·f″) = 0.08022", step);
        Assert.Contains("X ← 2 + 0.08022 = 2.0802", step);
        Assert.Empty(page.ConsoleErrors);
    }

    [BrowserFact]
    public async Task DigitNetworkShowsHeatMapsModulesAndCollapses()
    {
        await using var browser = await HeadlessBrowser.LaunchAsync();
        foreach ((int width, int height, string suffix) in new[] { (1280, 800, "1280x800"), (390, 844, Phone) })
        {
            BrowserPage page = await browser.OpenAsync(PlayerFile("digits-two-layer.html"), width, height);
            Assert.Equal(3, await page.CountAsync("svg .group")); // the layers 0, 1 (ReLU) and 2
            // The jump list goes to 0.weight's backward step: a 16 × 64 gradient, drawn as a heat map.
            await page.EvaluateAsync("(() => { const j = document.getElementById('jump'); j.value = [...j.options].find(o => o.text.startsWith('0.weight')).value; j.dispatchEvent(new Event('change')); })()");
            Assert.Equal("0.weight", await Evaluated(page, "document.getElementById('detail').dataset.node"));
            Assert.Equal(1, await page.CountAsync("#detail canvas[data-heat]"));
            Assert.Contains("shape [16, 64]", await page.TextAsync("#detail"));
            Assert.Contains("numerical check", await page.TextAsync("#detail"));
            await page.ScreenshotAsync(Screenshot($"player-digits-weight-{suffix}.png"));

            int visible = await page.CountAsync("svg .node:not(.hidden-member)");
            await page.ClickAsync("svg .group[data-group='0'] .group-title");
            Assert.True(await page.CountAsync("svg .node:not(.hidden-member)") < visible);
            Assert.Equal("false", await Evaluated(page, "document.querySelector(\"svg .group[data-group='0'] .group-title\").getAttribute('aria-expanded')"));
            Assert.Empty(await page.OverlapsAsync(Labels));
            Assert.Empty(page.ConsoleErrors);
        }
    }

    private static async Task<string?> Evaluated(BrowserPage page, string expression) =>
        (await page.EvaluateAsync(expression)) is { ValueKind: System.Text.Json.JsonValueKind.String } value ? value.GetString() : null;

    [BrowserFact]
    public async Task UnusualRecordingsPlayWithoutErrors()
    {
        using var scratch = new Data.ScratchDirectory();
        Tensor a = Tensor.FromArray([1.0, 2, 3, 4, 5, 6], 2, 3);
        Tensor bias = Tensor.FromArray([0.5, -0.5, 1.0], 3);
        a.RequiresGrad = true;
        bias.RequiresGrad = true;
        var recordings = new Dictionary<string, Teaching.Player.Recording>
        {
            ["constant.html"] = Program("y = 3", []),
            ["input-is-output.html"] = Program("x", [("x", 2)]),
            ["same-input-twice.html"] = Program("max(x, x)", [("x", 2)]),
            ["broadcast.html"] = Teaching.Player.Explain.Record(() => { Tensor s = a + bias; return (s * s).Sum(); }, new(NumericalCheck: true)),
        };
        await using var browser = await HeadlessBrowser.LaunchAsync();
        foreach ((string file, var recording) in recordings)
        {
            recording.WriteHtml(scratch.File(file));
            BrowserPage page = await browser.OpenAsync(scratch.File(file), 390, 844);
            for (int i = 0; i < 40; i++) await page.PressAsync("ArrowRight");
            await page.PressAsync("Home");
            await page.PressAsync("End");
            Assert.Equal("done", await Evaluated(page, "document.getElementById('detail').dataset.phase"));
            Assert.Equal([], page.ConsoleErrors);
        }
        // The broadcast add shows the gradient before the engine summed it over axis 0.
        BrowserPage broadcast = await browser.OpenAsync(scratch.File("broadcast.html"));
        await broadcast.PressAsync("ArrowRight", 5); // 5 forward frames (a, bias, add, mul, sum), then the sum's and the multiply's steps
        await broadcast.PressAsync("ArrowRight", 2);
        Assert.Contains("sums it over axis 0", await broadcast.TextAsync("#detail"));
        Assert.Empty(broadcast.ConsoleErrors);
    }

    private static Teaching.Player.Recording Program(string text, (string Name, double Value)[] at) =>
        Teaching.Player.Explain.Program(Teaching.Expressions.ExplainTrace.Run(Teaching.Expressions.ProgramEvaluator.Evaluate(
            Teaching.Expressions.Parser.Parse(text), at.ToDictionary(p => p.Name, p => p.Value))), numericalCheck: true);

    // Presses → until the detail panel shows the given phase at the given node; returns the number of presses.
    private static async Task<int> StepUntil(BrowserPage page, string phase, string node)
    {
        for (int presses = 0; presses <= 100; presses++)
        {
            if (await Evaluated(page, "document.getElementById('detail').dataset.phase") == phase &&
                await Evaluated(page, "document.getElementById('detail').dataset.node") == node)
                return presses;
            await page.PressAsync("ArrowRight");
        }
        throw new Xunit.Sdk.XunitException($"100 steps did not reach the {phase} step of {node}");
    }
}
