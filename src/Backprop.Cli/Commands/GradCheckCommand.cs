using System.Globalization;

namespace Backprop.Cli.Commands;

/// <summary>`backprop gradcheck`: checks every operator's backward against central differences and prints a table.</summary>
public sealed class GradCheckCommand : ICommand
{
    public string Name => "gradcheck";
    public string Summary => "check every operator's gradient against numerical differences";
    public IReadOnlySet<string> Flags { get; } = new HashSet<string> { "json" };

    public string Help => """
        usage: backprop gradcheck [--op NAME] [--json]

        Runs a float64 gradient check (central differences) for every operator on random shapes, including
        broadcast and batched cases, and prints one row per case: operator, shapes, worst absolute and
        relative error, pass/fail. Exits 1 if any case fails.

          --op NAME   only the cases of this operator (e.g. matmul)
          --json      one JSON object per case on stdout

        """;

    public int Run(Arguments args, CommandContext context)
    {
        string? only = args.Text("op");
        bool json = args.Flag("json");
        args.EnsureAllUsed(0);
        var cases = GradCheckSuite.All.Where(c => only is null || c.Operator == only).ToList();
        if (cases.Count == 0)
            throw new UsageException($"no operator named '{only}'; operators: {string.Join(", ", GradCheckSuite.All.Select(c => c.Operator).Distinct())}");
        var o = context.Out;
        int opWidth = Math.Max(8, cases.Max(c => c.Operator.Length)), shapeWidth = Math.Max(6, cases.Max(c => c.Description.Length));
        if (!json) o.WriteLine($"{"operator".PadRight(opWidth)} {"shapes".PadRight(shapeWidth)} {"max abs err",12} {"max rel err",12}  result");
        int failed = 0;
        foreach (var c in cases)
        {
            var r = c.Run();
            if (!r.Passed) failed++;
            if (json)
            {
                o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"operator\": {Json.Quote(c.Operator)}, \"shapes\": {Json.Quote(c.Description)}, \"max_abs_error\": {r.MaxAbsError:R}, \"max_rel_error\": {r.MaxRelError:R}, \"passed\": {(r.Passed ? "true" : "false")}}}"));
            }
            else
            {
                o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{c.Operator.PadRight(opWidth)} {c.Description.PadRight(shapeWidth)} {r.MaxAbsError,12:0.00e+00} {r.MaxRelError,12:0.00e+00}  {(r.Passed ? "pass" : "FAIL")}"));
                if (!r.Passed) o.WriteLine("    " + r);
            }
        }
        if (!json) o.WriteLine($"{cases.Count - failed} passed, {failed} failed");
        if (failed > 0)
        {
            context.Error.WriteLine($"backprop gradcheck: {failed} of {cases.Count} checks failed");
            return ExitCodes.Failure;
        }
        return ExitCodes.Ok;
    }
}
