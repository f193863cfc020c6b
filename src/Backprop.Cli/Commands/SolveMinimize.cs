using Backprop.Teaching.Expressions;
using Backprop.Teaching.Player;

namespace Backprop.Cli.Commands;

/// <summary>`backprop solve --minimize`, and the reading of --method shared with hitting a target.</summary>
internal static class SolveMinimize
{
    private const string Methods = "to hit a target: newton (default) or halley; with --minimize: gradient (default) or newton";

    /// <summary>The --method for hitting a target: newton when absent.</summary>
    public static SolveMethod TargetMethod(string? method) => method switch
    {
        null or "newton" => SolveMethod.Newton,
        "halley" => SolveMethod.Halley,
        "gradient" => throw new UsageException("--method gradient minimises the output: add --minimize (to hit --target use newton or halley)"),
        _ => throw new UsageException($"--method must be one of: {Methods}; got '{method}'"),
    };

    private static MinimizeMethod MinimizeMethodOf(string? method) => method switch
    {
        null or "gradient" => MinimizeMethod.GradientDescent,
        "newton" => MinimizeMethod.Newton,
        "halley" => throw new UsageException(
            "--method halley hits a target (it needs --target, not --minimize); to minimise use --method gradient or --method newton"),
        _ => throw new UsageException($"--method must be one of: {Methods}; got '{method}'"),
    };

    public static int Run(Arguments args, ProgramInput input, CommandContext context)
    {
        if (args.Text("target") is not null)
            throw new UsageException("--minimize looks for the smallest output, so it takes no --target; drop one of the two");
        MinimizeMethod method = MinimizeMethodOf(args.Text("method"));
        if (method == MinimizeMethod.Newton && args.Text("lr") is not null)
            throw new UsageException("--lr is the step size of gradient descent; Newton's method takes its step from the Hessian, so drop --lr or use --method gradient");
        double learningRate = args.Double("lr", 0.1, positive: true);
        var shared = SolveArguments.Read(args, defaultMaxIterations: 1000);

        var options = new MinimizeOptions(method, learningRate, shared.Tolerance, shared.MaxIterations, input.OutputName);
        MinimizeResult result = Interruptible.Run(() => ProgramInput.TranslateErrors(() => Minimizer.Minimize(input.Program, input.Values, shared.Varied, options)),
            context.Cancellation);
        return SolveCommand.Finish(context, shared, shared.Json ? SolveJson.Of(result) : MinimizeText.Render(result),
            () => Explain.Minimize(result, input.Program, input.Values, input.OutputName), result.Status, result.Message);
    }
}
