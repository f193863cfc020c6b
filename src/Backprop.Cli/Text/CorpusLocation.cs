namespace Backprop.Cli.Text;

/// <summary>
/// Where the bundled Moby-Dick corpus (data/moby-dick.txt.gz, public domain) is: <c>MOBY_DICK=FILE</c> if set, as the
/// reference scripts read it; else the copy the build puts beside the executable; else data/ in a parent folder of the
/// executable or of the working directory (a source checkout run with <c>dotnet run</c>).
/// </summary>
public static class CorpusLocation
{
    /// <summary>The corpus's path inside the repository and beside the executable.</summary>
    public const string RelativePath = "data/moby-dick.txt.gz";

    /// <summary>The corpus's path; throws <see cref="CommandFailedException"/> with one line when it is nowhere.</summary>
    public static string MobyDick()
    {
        if (Environment.GetEnvironmentVariable("MOBY_DICK") is { Length: > 0 } overridden)
            return File.Exists(overridden) ? overridden
                : throw new CommandFailedException($"MOBY_DICK={overridden}: no such file", ExitCodes.Failure);
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, RelativePath);
                if (File.Exists(candidate)) return candidate;
            }
        throw new CommandFailedException(
            $"the Moby-Dick corpus ({RelativePath}) is neither beside the executable nor in a parent folder; set MOBY_DICK=FILE", ExitCodes.Failure);
    }
}
