using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Backprop.Tests.Browser;

/// <summary>
/// A headless Chromium of its own (a fresh profile in a temporary directory), driven over the DevTools protocol.
/// Start one with <see cref="LaunchAsync"/>, open pages with <see cref="OpenAsync"/>; disposing closes the browser
/// and deletes the profile. Tests that use it carry <c>[BrowserFact]</c> (skipped with the reason where there is no
/// browser) and <c>[Collection(BrowserCollection.Name)]</c>.
/// </summary>
internal sealed partial class HeadlessBrowser : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly string _profile;
    private readonly DevToolsConnection _connection;

    private HeadlessBrowser(Process process, string profile, DevToolsConnection connection)
    {
        _process = process;
        _profile = profile;
        _connection = connection;
    }

    /// <summary>Starts the browser <see cref="Chromium.Executable"/> names and connects to it.</summary>
    public static async Task<HeadlessBrowser> LaunchAsync()
    {
        string executable = Chromium.Executable ?? throw new InvalidOperationException(Chromium.MissingReason);
        string profile = Path.Combine(Path.GetTempPath(), "backprop-browser-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])[
            "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0", "--user-data-dir=" + profile,
            "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--disable-sync", "--disable-component-update", "--mute-audio", "--hide-scrollbars", "about:blank"])
            start.ArgumentList.Add(argument);

        var address = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var said = new List<string>();
        var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                lock (said) address.TrySetException(new InvalidOperationException($"{executable} exited before listening:\n{string.Join('\n', said)}"));
                return;
            }
            lock (said) said.Add(e.Data);
            if (ListeningLine().Match(e.Data) is { Success: true } match) address.TrySetResult(new Uri(match.Groups[1].Value));
        };
        process.OutputDataReceived += (_, _) => { };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            Task finished = await Task.WhenAny(address.Task, Task.Delay(StartTimeout));
            if (finished != address.Task)
                lock (said) // the reader thread may still be adding lines
                    throw new TimeoutException($"{executable} did not open its DevTools port within {StartTimeout.TotalSeconds} s:\n{string.Join('\n', said)}");
            DevToolsConnection connection = await DevToolsConnection.ConnectAsync(await address.Task);
            return new HeadlessBrowser(process, profile, connection);
        }
        catch
        {
            Stop(process, profile);
            throw;
        }
    }

    /// <summary>
    /// A new tab of <paramref name="width"/> × <paramref name="height"/> CSS pixels (a width under 600 is emulated as
    /// a phone: mobile viewport, touch) showing <paramref name="pathOrUrl"/> (a file path or a URL), once loaded.
    /// </summary>
    public async Task<BrowserPage> OpenAsync(string pathOrUrl, int width = 1280, int height = 800)
    {
        JsonElement target = await _connection.SendAsync("Target.createTarget", new { url = "about:blank" });
        JsonElement attached = await _connection.SendAsync("Target.attachToTarget",
            new { targetId = target.GetProperty("targetId").GetString(), flatten = true });
        var page = new BrowserPage(_connection, attached.GetProperty("sessionId").GetString()!);
        await page.StartAsync(width, height);
        await page.NavigateAsync(pathOrUrl);
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _connection.SendAsync("Browser.close");
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            // Already gone: Stop kills whatever is left.
        }
        await _connection.DisposeAsync();
        Stop(_process, _profile);
    }

    private static void Stop(Process process, string profile)
    {
        if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            process.Kill(entireProcessTree: true);
        process.WaitForExit();
        process.Dispose();
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
            // A leftover profile must not fail a test.
        }
    }

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex ListeningLine();
}
