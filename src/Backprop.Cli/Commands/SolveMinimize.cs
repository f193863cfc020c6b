using Backprop.Teaching.Expressions;

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
        string vary = args.Text("vary") ?? throw new UsageException("--vary is required: the inputs to change, e.g. --vary w or --vary w,b");
        double learningRate = args.Double("lr", 0.1, positive: true);
        double tolerance = args.Double("tol", 1e-9, positive: true);
        int maxIterations = args.Int("max-iter", 1000, min: 1);
        bool json = args.Flag("json");
        var varied = vary.Split(',', StringSplitOptions.TrimEntries);
        if (varied.Any(name => name.Length == 0))
            throw new UsageException($"--vary expects input names separated by commas, got '{vary}'");

        var options = new MinimizeOptions(method, learningRate, tolerance, maxIterations, input.OutputName);
        MinimizeResult result = Interruptible.Run(() => ProgramInput.TranslateErrors(() => Minimizer.Minimize(input.Program, input.Values, varied, options)),
            context.Cancellation);
        context.Out.Write(json ? ToJson(result) : MinimizeText.Render(result));
        return SolveCommand.ExitCode(result.Status, result.Message);
    }

    /// <summary>The result as JSON, numbers in full double precision (non-finite ones as null).</summary>
    public static string ToJson(MinimizeResult result)
    {
        return Json.Document(w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("converged", result.Converged);
            w.WriteString("status", SolveCommand.StatusName(result.Status));
            if (result.Message is null) w.WriteNull("message");
            else w.WriteString("message", result.Message);
            w.WriteString("method", result.Method == MinimizeMethod.Newton ? "newton" : "gradient");
            if (result.LearningRate is { } lr) Json.Number(w, "lr", lr);
            w.WriteString("output_name", result.OutputName);
            Json.Number(w, "output", result.Output);
            w.WriteStartObject("solution");
            foreach ((string name, double value) in result.Solution)
                Json.Number(w, name, value);
            w.WriteEndObject();
            w.WriteStartArray("iterations");
            foreach (MinimizeIteration row in result.Iterations)
            {
                w.WriteStartObject();
                w.WriteNumber("iteration", row.Index);
                SolveCommand.WriteNamed(w, "values", result.Varied, row.Values);
                Json.Number(w, "output", row.Output);
                SolveCommand.WriteNamed(w, "gradient", result.Varied, row.Gradient);
                Json.Number(w, "gradient_norm", row.GradientNorm);
                if (row.Hessian is { } hessian)
                {
                    // Row i is the gradient of ∂output/∂(varied i).
                    w.WriteStartArray("hessian");
                    for (int i = 0; i < result.Varied.Count; i++)
                    {
                        w.WriteStartArray();
                        for (int j = 0; j < result.Varied.Count; j++)
                            Json.NumberValue(w, hessian[i, j]);
                        w.WriteEndArray();
                    }
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }, indented: true) + "\n";
    }
}
