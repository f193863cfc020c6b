namespace Backprop.Tests.Browser;

/// <summary>
/// Where the headless browser of the browser tests is: <c>BACKPROP_CHROMIUM</c>, else the first of Debian's
/// <c>chromium</c> (and the names other systems give it) on PATH. .ci/run installs Debian's package where it can.
/// </summary>
internal static class Chromium
{
    private static readonly string[] Names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

    private static readonly Lazy<string?> Found = new(Find);

    /// <summary>The browser's executable, or null when there is none.</summary>
    public static string? Executable => Found.Value;

    /// <summary>Why the browser tests cannot run here, or null when they can.</summary>
    public static string? MissingReason =>
        Executable is not null ? null
        : Environment.GetEnvironmentVariable("BACKPROP_CHROMIUM") is { Length: > 0 } configured ? $"BACKPROP_CHROMIUM names {configured}, which does not exist"
        : "no headless browser: none of " + string.Join(", ", Names) + " is on PATH (apt-get install chromium), and BACKPROP_CHROMIUM is not set";

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("BACKPROP_CHROMIUM") is { Length: > 0 } configured)
            return File.Exists(configured) ? configured : null;
        string[] directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (string name in Names)
            foreach (string directory in directories)
            {
                string candidate = Path.Combine(directory, name);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }
}
