using System.Globalization;
using System.Text;
using System.Text.Json;
using Backprop.Serialization;
using Backprop.Teaching.Expressions;
using Backprop.Teaching.Player;

namespace Backprop.Cli.Commands;

/// <summary>`backprop solve`: changes some inputs so that the program's output hits a target, one gradient step at a time.</summary>
public sealed class SolveCommand : ICommand
{
    /// <inheritdoc/>
    public string Name => "solve";

    /// <inheritdoc/>
    public string Summary => "find input values that make a program's output equal a target, or minimise it";

    /// <inheritdoc/>
    public string Description => "Moves the varied inputs until the output equals the target. Each step runs the program forward and the engine's backward pass, then sets θ ← θ + Δ·g/|g|² with Δ = target − output and g = ∂output/∂θ (for one input: Δw = Δz / (∂z/∂w)): that is --method newton, Newton's method on e(w) = output − target, the default. --method halley (one input) also uses the second derivative, from differentiating the recorded gradient again: Δw = −2·e·e′ / (2·e′² − e·e″), cubic instead of quadratic convergence. Prints one row per iteration: the varied values, the output, the error. With --minimize it looks for the smallest output instead: --method gradient (the default) steps θ ← θ − lr·∇f, --method newton solves ∇f = 0 with the Hessian (Δ = −f′/f″ for one input, H·Δ = −∇f for several); it stops when |∇f| ≤ --tol.";

    /// <inheritdoc/>
    public PositionalSpec? Positional => ProgramInput.Argument;

    /// <inheritdoc/>
    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        .. ProgramInput.Options,
        new("target", "T", "the output value to reach"),
        new("vary", "NAMES", "the inputs to change, comma-separated; the others keep their --at values"),
        new("method", "M", "to hit --target: newton (default; Newton's method on output − target) or halley (one input, uses the second derivative); with --minimize: gradient (default) or newton (uses the Hessian)"),
        new("minimize", null, "find the inputs that minimise the output instead of hitting a target"),
        new("lr", "R", "with --minimize --method gradient: the step size (default 0.1)"),
        new("tol", "E", "stop when |output − target| ≤ E·max(1, |target|); with --minimize when |∇output| ≤ E (default 1e-9)"),
        new("max-iter", "N", "at most N steps (default 100; with --minimize 1000)"),
        new("json", null, "print the iterations as one JSON object instead (see docs/cli.md)"),
        new("out", "FILE", "also write the step-through player of the solve: FILE ending in .html"),
    ];

    /// <inheritdoc/>
    public string Epilogue => """
        example: backprop solve "x = 2*w + 3*b; y = 2*b + 1; z = x*y" --at w=3,b=4 --target 150 --vary w
                 backprop solve "A = X + 1; B = A^2; C = ln(B); D = sqrt(C); E = D - 1" --at X=2 --target 0.5 --vary X --method halley
                 backprop solve "f = (w - 3)^2 + 2*(b + 1)^2" --at w=0,b=0 --vary w,b --minimize --method newton
        exit codes: 0 converged, 2 usage or syntax error, 3 not converged within --max-iter, 4 zero gradient,
                    5 a step left an operator's domain, 6 diverged, 7 the second derivative (Hessian) gives no step:
                    0, singular or not positive definite, 130 interrupted (Ctrl+C), 143 terminated (SIGTERM)

        """;

    /// <inheritdoc/>
    public int Run(Arguments args, CommandContext context)
    {
        ProgramInput input = ProgramInput.Read(args, Console.In);
        if (args.Flag("minimize"))
        {
            if (args.Text("out") is not null)
                throw new UsageException("--out writes the player of a --target solve; --minimize has no player yet");
            return SolveMinimize.Run(args, input, context);
        }
        SolveMethod method = SolveMinimize.TargetMethod(args.Text("method"));
        if (args.Text("lr") is not null)
            throw new UsageException("--lr is the step size of gradient descent: it needs --minimize (with --method gradient)");
        string target = args.Text("target") ?? throw new UsageException("--target is required: the output value to reach (or --minimize to find the smallest output)");
        string vary = args.Text("vary") ?? throw new UsageException("--vary is required: the inputs to change, e.g. --vary w or --vary w,b");
        double tolerance = args.Double("tol", 1e-9, positive: true);
        int maxIterations = args.Int("max-iter", 100, min: 1);
        bool json = args.Flag("json");
        string? outPath = args.Text("out");
        if (outPath is not null && Path.GetExtension(outPath).ToLowerInvariant() is not (".html" or ".htm"))
            throw new UsageException($"--out {outPath}: the file name must end in .html (the solve's player)");
        if (!double.TryParse(target, NumberStyles.Float, CultureInfo.InvariantCulture, out double targetValue) || !double.IsFinite(targetValue))
            throw new UsageException($"--target expects a number, got '{target}'");
        var varied = vary.Split(',', StringSplitOptions.TrimEntries);
        if (varied.Any(name => name.Length == 0))
            throw new UsageException($"--vary expects input names separated by commas, got '{vary}'");

        if (method == SolveMethod.Halley && varied.Length != 1)
            throw new UsageException($"--method halley varies one input, got {varied.Length} in --vary {vary}; use --method newton for several");
        var options = new SolveOptions(tolerance, maxIterations, input.OutputName, Method: method);
        SolveResult result = Interruptible.Run(() => ProgramInput.TranslateErrors(() => Solver.Solve(input.Program, input.Values, targetValue, varied, options)), context.Cancellation);
        context.Out.Write(json ? ToJson(result) : SolveText.Render(result));
        if (outPath is not null)
        {
            // Written for a stalled solve too: stepping through the points shows where it went wrong.
            string player = Interruptible.Run(() => Explain.Solve(result, input.Program, input.Values, input.OutputName).ToHtml(), context.Cancellation);
            AtomicFile.WriteAllText(outPath, player);
            context.Error.WriteLine($"wrote {outPath}");
        }
        return ExitCode(result.Status, result.Message);
    }

    /// <summary>0 when converged; otherwise the stall's message goes to stderr with its own exit code.</summary>
    internal static int ExitCode(SolveStatus status, string? message)
    {
        return status switch
        {
            SolveStatus.Converged => ExitCodes.Ok,
            // The table (or JSON) is already out; the one-line reason goes to stderr with the stall's own exit code.
            SolveStatus.NotConverged => throw new CommandFailedException(message!, ExitCodes.NotConverged),
            SolveStatus.ZeroGradient => throw new CommandFailedException(message!, ExitCodes.ZeroGradient),
            SolveStatus.Domain => throw new CommandFailedException(message!, ExitCodes.Domain),
            SolveStatus.Curvature => throw new CommandFailedException(message!, ExitCodes.Curvature),
            _ => throw new CommandFailedException(message!, ExitCodes.Diverged),
        };
    }

    /// <summary>The result as JSON, numbers in full double precision (non-finite ones as null).</summary>
    public static string ToJson(SolveResult result)
    {
        return Json.Document(w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("converged", result.Converged);
            w.WriteString("status", StatusName(result.Status));
            w.WriteString("method", result.Method == SolveMethod.Halley ? "halley" : "newton");
            if (result.Message is null) w.WriteNull("message");
            else w.WriteString("message", result.Message);
            w.WriteString("output_name", result.OutputName);
            Json.Number(w, "target", result.Target);
            Json.Number(w, "output", result.Output);
            w.WriteStartObject("solution");
            foreach ((string name, double value) in result.Solution)
                Json.Number(w, name, value);
            w.WriteEndObject();
            w.WriteStartArray("iterations");
            foreach (SolveIteration row in result.Iterations)
            {
                w.WriteStartObject();
                w.WriteNumber("iteration", row.Index);
                WriteNamed(w, "values", result.Varied, row.Values);
                Json.Number(w, "output", row.Output);
                Json.Number(w, "error", row.Error);
                WriteNamed(w, "gradient", result.Varied, row.Gradient);
                if (row.SecondDerivative is { } second)
                    WriteNamed(w, "second_derivative", result.Varied, [second]);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }, indented: true) + "\n";
    }

    internal static string StatusName(SolveStatus status) => status switch
    {
        SolveStatus.Curvature => "curvature",
        SolveStatus.Converged => "converged",
        SolveStatus.NotConverged => "not_converged",
        SolveStatus.ZeroGradient => "zero_gradient",
        SolveStatus.Domain => "domain",
        _ => "diverged",
    };

    internal static void WriteNamed(Utf8JsonWriter w, string property, IReadOnlyList<string> names, IReadOnlyList<double> values)
    {
        w.WriteStartObject(property);
        for (int i = 0; i < names.Count; i++)
            Json.Number(w, names[i], values[i]);
        w.WriteEndObject();
    }

}
