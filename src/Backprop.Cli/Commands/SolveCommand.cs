using System.Globalization;
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
        new("out", "FILE", "also write the step-through player of the solve (or the minimisation): FILE ending in .html"),
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
            return SolveMinimize.Run(args, input, context);
        SolveMethod method = SolveMinimize.TargetMethod(args.Text("method"));
        if (args.Text("lr") is not null)
            throw new UsageException("--lr is the step size of gradient descent: it needs --minimize (with --method gradient)");
        string target = args.Text("target") ?? throw new UsageException("--target is required: the output value to reach (or --minimize to find the smallest output)");
        var shared = SolveArguments.Read(args, defaultMaxIterations: 100);
        if (!double.TryParse(target, NumberStyles.Float, CultureInfo.InvariantCulture, out double targetValue) || !double.IsFinite(targetValue))
            throw new UsageException($"--target expects a number, got '{target}'");
        if (method == SolveMethod.Halley && shared.Varied.Count != 1)
            throw new UsageException($"--method halley varies one input, got {shared.Varied.Count} in --vary {args.Text("vary")}; use --method newton for several");

        var options = new SolveOptions(shared.Tolerance, shared.MaxIterations, input.OutputName, Method: method);
        SolveResult result = Interruptible.Run(() => ProgramInput.TranslateErrors(() => Solver.Solve(input.Program, input.Values, targetValue, shared.Varied, options)), context.Cancellation);
        return Finish(context, shared, shared.Json ? SolveJson.Of(result) : SolveText.Render(result),
            () => Explain.Solve(result, input.Program, input.Values, input.OutputName), result.Status, result.Message);
    }

    /// <summary>
    /// What both forms do with their result: print the table (or JSON), write the player when --out asks for it — for
    /// a stall too, since stepping through the points shows where it went wrong — and exit with the status's code.
    /// </summary>
    internal static int Finish(CommandContext context, SolveArguments shared, string printed, Func<Recording> player, SolveStatus status, string? message)
    {
        context.Out.Write(printed);
        if (shared.PlayerPath is { } path)
            OutFile.Write(context, path, Interruptible.Run(() => player().ToHtml(), context.Cancellation));
        return ExitCode(status, message);
    }

    /// <summary>0 when converged; otherwise the stall's message goes to stderr with its own exit code.</summary>
    private static int ExitCode(SolveStatus status, string? message)
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
}
