namespace Backprop.Cli.Commands;

/// <summary>
/// The options both forms of `solve` (a target, --minimize) read the same way: --vary, --tol, --max-iter, --json and
/// --out (checked before anything runs, so a wrong name costs no solve).
/// </summary>
/// <param name="Varied">The inputs to change.</param>
/// <param name="Tolerance">--tol.</param>
/// <param name="MaxIterations">--max-iter.</param>
/// <param name="Json">--json.</param>
/// <param name="PlayerPath">--out: where to write the player, or null.</param>
internal sealed record SolveArguments(IReadOnlyList<string> Varied, double Tolerance, int MaxIterations, bool Json, string? PlayerPath)
{
    /// <summary>Reads them; <paramref name="defaultMaxIterations"/> is the form's own default for --max-iter.</summary>
    /// <exception cref="UsageException">No --vary or an empty name in it, a --tol or --max-iter out of range, an --out not ending in .html.</exception>
    public static SolveArguments Read(Arguments args, int defaultMaxIterations)
    {
        string vary = args.Text("vary") ?? throw new UsageException("--vary is required: the inputs to change, e.g. --vary w or --vary w,b");
        double tolerance = args.Double("tol", 1e-9, positive: true);
        int maxIterations = args.Int("max-iter", defaultMaxIterations, min: 1);
        bool json = args.Flag("json");
        string? outPath = args.Text("out");
        if (outPath is not null && Path.GetExtension(outPath).ToLowerInvariant() is not (".html" or ".htm"))
            throw new UsageException($"--out {outPath}: the file name must end in .html (the solve's player)");
        var varied = vary.Split(',', StringSplitOptions.TrimEntries);
        if (varied.Any(name => name.Length == 0))
            throw new UsageException($"--vary expects input names separated by commas, got '{vary}'");
        return new SolveArguments(varied, tolerance, maxIterations, json, outPath);
    }
}
