using System.Globalization;

namespace Backprop.Cli.Commands;

/// <summary>`backprop gradcheck`: checks every operator's backward against central differences and prints a table.</summary>
public sealed class GradCheckCommand : ICommand
{
    public string Name => "gradcheck";
    public string Summary => "check every operator's gradient against numerical differences";
    public string Description => "Runs a float64 gradient check (central differences) for every operator on random shapes, including broadcast and batched cases, and prints one row per case: operator, shapes, worst absolute and relative error, pass/fail. With --order 2 it checks second derivatives instead: the gradient computed with createGraph is differentiated again and compared with central differences of the ordinary gradient; an operator without a differentiable backward rule shows as 'unsupported'. With --mode forward it checks forward-mode derivatives: the Jacobian-vector product along a random direction against the central difference along it. Exits 1 if any case fails.";
    public PositionalSpec? Positional => null;
    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("op", "NAME", "only the cases of this operator (e.g. matmul)"),
        new("order", "N", "1 (default): first derivatives; 2: second derivatives (double backward)"),
        new("mode", "MODE", "reverse (default): gradients by backward; forward: Jacobian-vector products (JVP)"),
        new("json", null, "one JSON object per case on stdout"),
    ];
    public string Epilogue => "";

    public int Run(Arguments args, CommandContext context)
    {
        string? only = args.Text("op");
        bool json = args.Flag("json");
        string orderText = args.Text("order") ?? "1";
        if (orderText is not ("1" or "2")) throw new UsageException($"--order must be 1 or 2, got '{orderText}'");
        bool second = orderText == "2";
        string modeText = args.Text("mode") ?? "reverse";
        if (modeText is not ("reverse" or "forward")) throw new UsageException($"--mode must be reverse or forward, got '{modeText}'");
        bool forward = modeText == "forward";
        if (forward && second) throw new UsageException("--mode forward checks first derivatives; it cannot be combined with --order 2");
        args.CheckPositionalCount(0);
        var cases = GradCheckSuite.All.Where(c => only is null || c.Operator == only).ToList();
        if (cases.Count == 0)
            throw new UsageException($"no operator named '{only}'; operators: {string.Join(", ", GradCheckSuite.All.Select(c => c.Operator).Distinct())}");
        var o = context.Out;
        int opWidth = Math.Max(8, cases.Max(c => c.Operator.Length)), shapeWidth = Math.Max(6, cases.Max(c => c.Description.Length));
        if (!json) o.WriteLine($"{"operator".PadRight(opWidth)} {"shapes".PadRight(shapeWidth)} {"max abs err",12} {"max rel err",12}  result");
        int failed = 0, unsupported = 0;
        foreach (var c in cases)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            GradCheckResult r;
            string? refusal = null;
            if (forward) r = c.RunForwardMode();
            else if (!second) r = c.Run();
            else
            {
                try
                {
                    var rr = c.RunSecondOrder();
                    // A recorded first derivative that differs from the ordinary one fails the case too.
                    r = rr.FirstOrderPassed ? new GradCheckResult(rr.Passed, rr.Inputs) : new GradCheckResult(false, rr.Inputs);
                }
                catch (NotSupportedException e) when (e.Message.StartsWith("double backward through", StringComparison.Ordinal))
                {
                    refusal = e.Message;
                    r = new GradCheckResult(true, []);
                    unsupported++;
                }
            }
            if (!r.Passed) failed++;
            if (json)
            {
                Json.WriteLine(o, w =>
                {
                    w.WriteString("operator", c.Operator);
                    w.WriteString("shapes", c.Description);
                    w.WriteNumber("order", second ? 2 : 1);
                    w.WriteString("mode", forward ? "forward" : "reverse");
                    if (refusal is not null)
                    {
                        w.WriteBoolean("supported", false);
                        w.WriteString("reason", refusal);
                        return;
                    }
                    Json.Number(w, "max_abs_error", r.MaxAbsError); // ∞ or NaN for a failed case: null
                    Json.Number(w, "max_rel_error", r.MaxRelError);
                    w.WriteBoolean("passed", r.Passed);
                });
            }
            else if (refusal is not null)
            {
                o.WriteLine($"{c.Operator.PadRight(opWidth)} {c.Description.PadRight(shapeWidth)} {"",12} {"",12}  unsupported");
            }
            else
            {
                o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{c.Operator.PadRight(opWidth)} {c.Description.PadRight(shapeWidth)} {r.MaxAbsError,12:0.00e+00} {r.MaxRelError,12:0.00e+00}  {(r.Passed ? "pass" : "FAIL")}"));
                if (!r.Passed) o.WriteLine("    " + r);
            }
        }
        if (!json) o.WriteLine($"{cases.Count - failed - unsupported} passed, {failed} failed" + (second ? $", {unsupported} unsupported (no double backward yet)" : ""));
        if (failed > 0)
        {
            context.Error.WriteLine($"backprop gradcheck: {failed} of {cases.Count} checks failed");
            return ExitCodes.Failure;
        }
        return ExitCodes.Ok;
    }
}
