using System.Diagnostics;

namespace Backprop.Teaching.Visualization;

/// <summary>Runs the Graphviz <c>dot</c> executable, when one is installed.</summary>
internal static class GraphvizRunner
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>The full path of <c>dot</c> on PATH, or null.</summary>
    public static string? FindDot()
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        if (string.IsNullOrEmpty(path))
            return null;
        string fileName = OperatingSystem.IsWindows() ? "dot.exe" : "dot";
        foreach (string directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory.Trim('"'), fileName);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    /// <summary>Feeds <paramref name="dotText"/> to <c>dot -Tsvg</c> and returns what it prints.</summary>
    /// <exception cref="InvalidOperationException">dot is missing, fails, or takes too long.</exception>
    public static string RenderSvg(string dotText)
    {
        string dot = FindDot() ?? throw new InvalidOperationException("Graphviz 'dot' was not found on PATH.");
        var start = new ProcessStartInfo(dot, "-Tsvg")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            StandardInputEncoding = new System.Text.UTF8Encoding(false),
            StandardOutputEncoding = System.Text.Encoding.UTF8,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start Graphviz 'dot'.");
        // Both pipes are drained concurrently while we write, so a chatty dot can never block on a full pipe.
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        try
        {
            process.StandardInput.Write(dotText);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // dot exited early (bad input); its stderr below says why.
        }
        if (!process.WaitForExit(Timeout))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw new InvalidOperationException($"Graphviz 'dot' did not finish within {Timeout.TotalSeconds:0} s.");
        }
        process.WaitForExit(); // lets the asynchronous readers reach end of stream
        string svg = output.GetAwaiter().GetResult();
        string message = errors.GetAwaiter().GetResult();
        if (process.ExitCode != 0 || !svg.Contains("<svg", StringComparison.Ordinal))
            throw new InvalidOperationException($"Graphviz 'dot' failed (exit code {process.ExitCode}): {message.Trim()}");
        return svg;
    }
}
