using System.Text.Json;

namespace Backprop.Tests.Browser;

/// <summary>
/// One tab of a <see cref="HeadlessBrowser"/>: what a test does to a page (press keys, click) and reads from it (text,
/// script values, the console's errors, overlapping boxes, a screenshot). Every error the page reports — a
/// <c>console.error</c>, an uncaught exception, a failed load — is collected in <see cref="ConsoleErrors"/>.
/// </summary>
internal sealed class BrowserPage
{
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromSeconds(30);

    private readonly DevToolsConnection _connection;
    private readonly string _session;
    private readonly List<string> _errors = [];
    private TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal BrowserPage(DevToolsConnection connection, string session)
    {
        _connection = connection;
        _session = session;
        connection.EventReceived += OnEvent;
    }

    /// <summary>The errors the page has reported so far, in order.</summary>
    public IReadOnlyList<string> ConsoleErrors
    {
        get
        {
            lock (_errors) return [.. _errors];
        }
    }

    internal async Task StartAsync(int width, int height)
    {
        await SendAsync("Page.enable");
        await SendAsync("Runtime.enable");
        await SendAsync("Log.enable");
        bool phone = width < 600;
        await SendAsync("Emulation.setDeviceMetricsOverride", new { width, height, deviceScaleFactor = 1, mobile = phone });
        if (phone) await SendAsync("Emulation.setTouchEmulationEnabled", new { enabled = true });
    }

    /// <summary>Loads <paramref name="pathOrUrl"/> (a file path or a URL) and waits for its load event.</summary>
    public async Task NavigateAsync(string pathOrUrl)
    {
        string url = Uri.TryCreate(pathOrUrl, UriKind.Absolute, out Uri? uri) && !uri.IsFile ? pathOrUrl : new Uri(Path.GetFullPath(pathOrUrl)).AbsoluteUri;
        _loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        JsonElement result = await SendAsync("Page.navigate", new { url });
        if (result.TryGetProperty("errorText", out JsonElement error) && error.GetString() is { Length: > 0 } text)
            throw new InvalidOperationException($"the browser could not load {url}: {text}");
        if (await Task.WhenAny(_loaded.Task, Task.Delay(LoadTimeout)) != _loaded.Task)
            throw new TimeoutException($"{url} did not finish loading within {LoadTimeout.TotalSeconds} s");
    }

    /// <summary>The value of a JavaScript expression (awaited when it is a promise), as JSON; a thrown error throws here with its message.</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        JsonElement result = await SendAsync("Runtime.evaluate", new { expression, returnByValue = true, awaitPromise = true });
        if (result.TryGetProperty("exceptionDetails", out JsonElement details))
            throw new InvalidOperationException($"the page's script failed on `{expression}`: {ExceptionText(details)}");
        JsonElement value = result.GetProperty("result");
        return value.TryGetProperty("value", out JsonElement v) ? v : default;
    }

    /// <summary>
    /// The text of the first element <paramref name="selector"/> matches (as a person reads it: the rendered text of an
    /// HTML element, the text content of an SVG one), or null when none does.
    /// </summary>
    public async Task<string?> TextAsync(string selector)
    {
        JsonElement value = await EvaluateAsync($"(() => {{ const e = document.querySelector({Quote(selector)}); return e ? (e.innerText ?? e.textContent) : null; }})()");
        return value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    /// <summary>How many elements <paramref name="selector"/> matches.</summary>
    public async Task<int> CountAsync(string selector) =>
        (await EvaluateAsync($"document.querySelectorAll({Quote(selector)}).length")).GetInt32();

    /// <summary>Clicks the first element <paramref name="selector"/> matches (HTML or SVG); none is an error.</summary>
    public async Task ClickAsync(string selector)
    {
        JsonElement clicked = await EvaluateAsync($"(() => {{ const e = document.querySelector({Quote(selector)}); if (!e) return false; " +
            "e.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, view: window })); return true; })()");
        if (!clicked.GetBoolean()) throw new InvalidOperationException($"nothing on the page matches {selector}");
    }

    /// <summary>
    /// Presses a key <paramref name="times"/> times, as the keyboard would: a single character ("j", "3") or a key
    /// name ("ArrowRight", "ArrowLeft", "ArrowUp", "ArrowDown", "Home", "End", "Enter", "Escape", "Tab", "Space").
    /// </summary>
    public async Task PressAsync(string key, int times = 1)
    {
        var (name, code, keyCode, text) = Describe(key);
        for (int i = 0; i < times; i++)
        {
            await SendAsync("Input.dispatchKeyEvent", new
            {
                type = text is null ? "rawKeyDown" : "keyDown",
                key = name, code, windowsVirtualKeyCode = keyCode, nativeVirtualKeyCode = keyCode, text = text ?? "",
            });
            await SendAsync("Input.dispatchKeyEvent", new { type = "keyUp", key = name, code, windowsVirtualKeyCode = keyCode, nativeVirtualKeyCode = keyCode });
        }
    }

    /// <summary>
    /// The pairs of visible elements matched by <paramref name="selector"/> whose boxes overlap (by more than
    /// <paramref name="tolerance"/> pixels each way), each described by its text: empty when no labels collide.
    /// </summary>
    public async Task<IReadOnlyList<string>> OverlapsAsync(string selector, double tolerance = 0.5)
    {
        JsonElement pairs = await EvaluateAsync($$"""
            (() => {
              const boxes = [...document.querySelectorAll({{Quote(selector)}})]
                .map(e => ({ e, r: e.getBoundingClientRect() }))
                .filter(b => b.r.width > 0 && b.r.height > 0 && getComputedStyle(b.e).visibility !== 'hidden');
              const t = {{tolerance.ToString(System.Globalization.CultureInfo.InvariantCulture)}}, found = [];
              for (let i = 0; i < boxes.length; i++)
                for (let j = i + 1; j < boxes.length; j++) {
                  const a = boxes[i].r, b = boxes[j].r;
                  if (Math.min(a.right, b.right) - Math.max(a.left, b.left) > t && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > t)
                    found.push(JSON.stringify(boxes[i].e.textContent.trim()) + ' overlaps ' + JSON.stringify(boxes[j].e.textContent.trim()));
                }
              return found;
            })()
            """);
        return [.. pairs.EnumerateArray().Select(p => p.GetString()!)];
    }

    /// <summary>Waits until a JavaScript condition is true (polled), failing after <paramref name="seconds"/> with the condition in the message.</summary>
    public async Task WaitForAsync(string condition, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!(await EvaluateAsync($"!!({condition})")).GetBoolean())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"`{condition}` did not become true within {seconds} s");
            await Task.Delay(50);
        }
    }

    /// <summary>Saves what the viewport shows (or the whole page, <paramref name="fullPage"/>) as a PNG at <paramref name="path"/>.</summary>
    public async Task ScreenshotAsync(string path, bool fullPage = false)
    {
        JsonElement shot = await SendAsync("Page.captureScreenshot", new { format = "png", captureBeyondViewport = fullPage });
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(shot.GetProperty("data").GetString()!));
    }

    private Task<JsonElement> SendAsync(string method, object? parameters = null) => _connection.SendAsync(method, parameters, _session);

    private void OnEvent(string method, string? session, JsonElement parameters)
    {
        if (session != _session) return;
        switch (method)
        {
            case "Page.loadEventFired":
                _loaded.TrySetResult();
                break;
            case "Runtime.consoleAPICalled" when parameters.GetProperty("type").GetString() is "error" or "assert":
                Record("console." + parameters.GetProperty("type").GetString() + ": " + string.Join(" ",
                    parameters.GetProperty("args").EnumerateArray().Select(a =>
                        a.TryGetProperty("value", out JsonElement v) ? v.ToString() : a.TryGetProperty("description", out JsonElement d) ? d.GetString() : a.GetRawText())));
                break;
            case "Runtime.exceptionThrown":
                Record("uncaught: " + ExceptionText(parameters.GetProperty("exceptionDetails")));
                break;
            case "Log.entryAdded" when parameters.GetProperty("entry").GetProperty("level").GetString() == "error":
                JsonElement entry = parameters.GetProperty("entry");
                Record("log: " + entry.GetProperty("text").GetString() + (entry.TryGetProperty("url", out JsonElement url) ? " (" + url.GetString() + ")" : ""));
                break;
        }
    }

    private void Record(string error)
    {
        lock (_errors) _errors.Add(error);
    }

    private static string ExceptionText(JsonElement details) =>
        details.TryGetProperty("exception", out JsonElement exception) && exception.TryGetProperty("description", out JsonElement description)
            ? description.GetString()!
            : details.GetProperty("text").GetString()!;

    private static string Quote(string text) => JsonSerializer.Serialize(text);

    private static (string Name, string Code, int KeyCode, string? Text) Describe(string key) => key switch
    {
        "ArrowLeft" => (key, key, 37, null),
        "ArrowUp" => (key, key, 38, null),
        "ArrowRight" => (key, key, 39, null),
        "ArrowDown" => (key, key, 40, null),
        "Home" => (key, key, 36, null),
        "End" => (key, key, 35, null),
        "PageUp" => (key, key, 33, null),
        "PageDown" => (key, key, 34, null),
        "Escape" => (key, key, 27, null),
        "Tab" => (key, key, 9, null),
        "Backspace" => (key, key, 8, null),
        "Enter" => (key, key, 13, "\r"),
        "Space" or " " => (" ", "Space", 32, " "),
        [char c] when char.IsAsciiLetter(c) => (key, "Key" + char.ToUpperInvariant(c), char.ToUpperInvariant(c), key),
        [char c] when char.IsAsciiDigit(c) => (key, "Digit" + c, c, key),
        [char c] => (key, "", c, key),
        _ => throw new ArgumentException($"unknown key '{key}': a single character or one of ArrowLeft, ArrowRight, ArrowUp, ArrowDown, Home, End, PageUp, PageDown, Escape, Tab, Backspace, Enter, Space", nameof(key)),
    };
}
