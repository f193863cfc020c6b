using System.Buffers.Binary;
using Backprop.Tests.Data;
using Backprop.Tests.Requirements;

namespace Backprop.Tests.Browser;

/// <summary>The browser-test API itself, on small pages written here: keys reach the page, text and errors come back, screenshots have the viewport's size.</summary>
[Collection(BrowserCollection.Name)]
public class HeadlessBrowserTests
{
    private const string CounterPage = """
        <!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <style>span { position: absolute; top: 10px; font: 16px sans-serif; }</style></head><body>
        <p id="count">0</p><button id="fail" onclick="null.x">fail</button>
        <span class="label" style="left: 10px">left</span><span class="label" style="left: 30px">overlapping</span>
        <span class="label" style="left: 400px">apart</span>
        <script>
        let n = 0;
        document.addEventListener('keydown', e => {
          if (e.key === 'ArrowRight') n++;
          if (e.key === 'ArrowLeft') n--;
          if (e.key === 'j') n += 10;
          if (e.key === 'e') console.error('asked for', 42);
          document.getElementById('count').textContent = String(n);
        });
        </script></body></html>
        """;

    [BrowserFact]
    public async Task KeysReachThePageAndItsTextComesBack()
    {
        using var scratch = new ScratchDirectory();
        string file = scratch.File("counter.html");
        File.WriteAllText(file, CounterPage);
        await using var browser = await HeadlessBrowser.LaunchAsync();
        BrowserPage page = await browser.OpenAsync(file, 1280, 800);

        await page.PressAsync("ArrowRight", times: 3);
        await page.PressAsync("ArrowLeft");
        await page.PressAsync("j");
        Assert.Equal("12", await page.TextAsync("#count"));
        Assert.Null(await page.TextAsync("#absent"));
        Assert.Equal(3, await page.CountAsync(".label"));
        Assert.Equal(["\"left\" overlaps \"overlapping\""], await page.OverlapsAsync(".label"));
        Assert.Empty(page.ConsoleErrors);

        string wide = scratch.File("wide.png"), phone = scratch.File("phone.png");
        await page.ScreenshotAsync(wide);
        BrowserPage small = await browser.OpenAsync(file, 390, 844);
        await small.ScreenshotAsync(phone);
        Assert.Equal((1280, 800), PngSize(wide));
        Assert.Equal((390, 844), PngSize(phone));
    }

    [BrowserFact]
    public async Task ConsoleErrorsAndUncaughtExceptionsAreCollected()
    {
        using var scratch = new ScratchDirectory();
        string file = scratch.File("counter.html");
        File.WriteAllText(file, CounterPage);
        await using var browser = await HeadlessBrowser.LaunchAsync();
        BrowserPage page = await browser.OpenAsync(file);

        await page.PressAsync("e");
        await page.ClickAsync("#fail");
        await page.WaitForAsync("true");
        await Task.Delay(100); // the events travel apart from the commands' answers
        IReadOnlyList<string> errors = page.ConsoleErrors;
        Assert.Equal(2, errors.Count);
        Assert.Equal("console.error: asked for 42", errors[0]);
        Assert.StartsWith("uncaught: TypeError", errors[1]);
        await Assert.ThrowsAsync<InvalidOperationException>(() => page.ClickAsync("#absent"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => page.EvaluateAsync("undefinedName.x"));
    }

    /// <summary>Width and height from a PNG's IHDR chunk.</summary>
    private static (int Width, int Height) PngSize(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.AsSpan(1, 3).SequenceEqual("PNG"u8), $"{path} is not a PNG");
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }
}
