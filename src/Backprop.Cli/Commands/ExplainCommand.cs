using System.Text.Json;
using Backprop.Teaching.Expressions;
using Backprop.Teaching.Player;
using Backprop.Teaching.Visualization;

namespace Backprop.Cli.Commands;

/// <summary>
/// `backprop explain`: runs a small program forward and backward on the engine's operators and prints each step the
/// way lecture notes do — or as JSON, or as a picture of the graph.
/// </summary>
public sealed class ExplainCommand : ICommand
{
    /// <inheritdoc/>
    public string Name => "explain";

    /// <inheritdoc/>
    public string Summary => "show the forward and backward pass of a small program, step by step";

    /// <inheritdoc/>
    public string Description => "Evaluates the program with the engine's tensor operators (float64), then runs the engine's backward pass and prints: the forward pass (each node, its operator and value); the backward pass in the engine's order (for each gate its upstream gradient, local gradients and upstream × local = downstream, and the sum where a value feeds several gates); and the gradient of the output with respect to every input.";

    /// <inheritdoc/>
    public PositionalSpec? Positional => ProgramInput.Argument;

    /// <inheritdoc/>
    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        .. ProgramInput.Options,
        new("json", null, "print the explanation as one JSON object instead (see docs/cli.md)"),
        new("out", "FILE", "also draw the graph: FILE ending in .svg or .dot, or .html for the step-through player (with --order 2: .svg, .dot or .html picture)"),
        new("order", "N", "1 (default): the forward and backward pass; 2: the graph of the gradient itself (the nodes the backward pass records with createGraph) and the second derivatives"),
        new("check", null, "with --out FILE.html: check every node's gradient against finite differences (a badge per node)"),
    ];

    /// <inheritdoc/>
    public string Epilogue => """
        example: backprop explain "x = 2*w + 3*b; y = 2*b + 1; z = x*y" --at w=3,b=4
                 backprop explain "A = X + 1; B = A^2; C = ln(B); D = sqrt(C); E = D - 1" --at X=2 --order 2 --out grad.svg
        an ONNX model instead of a program: backprop explain model.onnx [--out graph.svg] lists (and draws) its
        graph with the shape of every value, measured by running it once on zeros of its input shapes
        exit codes: 0 ok, 2 usage or syntax error, 5 a value left an operator's domain (ln of a negative, ...),
                    130 interrupted (Ctrl+C), 143 terminated (SIGTERM)

        """;

    /// <inheritdoc/>
    public int Run(Arguments args, CommandContext context)
    {
        if (ExplainOnnx.Applies(args))
        {
            if (args.Text("order") is not null)
                throw new UsageException("--order explains a program's derivatives; an ONNX model is listed as it is, without --order");
            string? onnxOut = args.Text("out");
            return ExplainOnnx.Run(args, context, onnxOut, onnxOut is null ? null : PictureFormat(onnxOut), args.Flag("json"));
        }
        string? outPath = args.Text("out");
        string? format = outPath is null ? null : PictureFormat(outPath);
        bool check = args.Flag("check");
        if (check && (format != "html" || ExplainSecondOrder.Applies(args)))
            throw new UsageException("--check needs --out FILE.html (and --order 1): the numerical check is shown in the player");
        if (ExplainSecondOrder.Applies(args))
            return ExplainSecondOrder.Run(args, context, outPath, format);
        ProgramInput input = ProgramInput.Read(args, Console.In);
        bool json = args.Flag("json");

        ExplainTrace trace = Interruptible.Run(() => ProgramInput.TranslateErrors(() =>
            ExplainTrace.Run(ProgramEvaluator.Evaluate(input.Program, input.Values, input.OutputName))), context.Cancellation);
        // The picture is built before anything is printed, so a program too large to draw fails with one line and
        // no half of the output.
        GraphPicture? picture = outPath is null ? null
            : Interruptible.Run(() => UserErrors.AtCall(() => ExplainPicture.Build(trace)), context.Cancellation);
        context.Out.Write(json ? ToJson(trace) : ExplainText.Render(trace));

        if (picture is not null && outPath is not null)
            WritePicture(context, outPath, format!, picture, () => Explain.Program(trace, check).ToHtml());
        return ExitCodes.Ok;
    }

    /// <summary>Writes the --out picture in its file's format: DOT, SVG, or the page <paramref name="html"/> makes.</summary>
    internal static void WritePicture(CommandContext context, string outPath, string format, GraphPicture picture, Func<string> html)
    {
        string contents = Interruptible.Run(() => format switch
        {
            "dot" => GraphDot.Render(picture),
            "html" => html(),
            _ => GraphSvg.Render(picture),
        }, context.Cancellation);
        OutFile.Write(context, outPath, contents);
    }

    private static string PictureFormat(string path)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".svg" => "svg",
            ".dot" or ".gv" => "dot",
            ".html" or ".htm" => "html",
            _ => throw new UsageException($"--out {path}: the file name must end in .svg, .dot or .html"),
        };
    }

    /// <summary>The explanation as JSON, numbers in full double precision (non-finite ones as null).</summary>
    public static string ToJson(ExplainTrace trace)
    {
        EvaluatedProgram program = trace.Program;
        return Json.Document(w =>
        {
            w.WriteStartObject();
            ProgramJson.Head(w, program, order: null, outputId: true);
            w.WriteStartObject("gradients");
            foreach ((string name, double gradient) in trace.InputGradients)
                Json.Number(w, name, gradient);
            w.WriteEndObject();

            w.WriteStartArray("nodes");
            foreach (ProgramNode node in program.Nodes)
                WriteNode(w, trace, node);
            w.WriteEndArray();

            w.WriteStartArray("backward");
            foreach (BackwardStep step in trace.Steps)
                WriteStep(w, step);
            w.WriteEndArray();
            w.WriteEndObject();
        }, indented: true) + "\n";
    }

    private static void WriteNode(Utf8JsonWriter w, ExplainTrace trace, ProgramNode node)
    {
        w.WriteStartObject();
        w.WriteNumber("id", node.Id);
        if (node.Name is null) w.WriteNull("name");
        else w.WriteString("name", node.Name);
        w.WriteString("label", node.Label);
        w.WriteString("kind", node.Kind.ToString().ToLowerInvariant());
        w.WriteString("op", node.Operator);
        w.WriteString("expression", node.Expression);
        Json.Number(w, "value", node.Value);
        Json.Number(w, "grad", trace.GradientOf(node));
        w.WriteStartArray("inputs");
        foreach (ProgramNode input in node.Inputs)
            w.WriteNumberValue(input.Id);
        w.WriteEndArray();
        w.WriteStartArray("local");
        BackwardStep? step = node.Kind == ProgramNodeKind.Operation ? trace.StepOf(node) : null;
        for (int i = 0; i < node.Inputs.Count; i++)
            Json.NumberValue(w, step?.Inputs[i].Local);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteStep(Utf8JsonWriter w, BackwardStep step)
    {
        w.WriteStartObject();
        w.WriteString("kind", step.Kind == BackwardStepKind.Gate ? "gate" : "leaf");
        w.WriteNumber("node", step.Node.Id);
        w.WriteString("label", step.Node.Label);
        Json.Number(w, step.Kind == BackwardStepKind.Gate ? "upstream" : "gradient", step.Upstream);
        w.WriteStartArray("sum");
        foreach (GradientContribution contribution in step.Contributions)
        {
            w.WriteStartObject();
            w.WriteNumber("from", contribution.From.Id);
            Json.Number(w, "value", contribution.Value);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (step.Kind == BackwardStepKind.Gate)
        {
            w.WriteStartArray("inputs");
            foreach (GateInputGradient input in step.Inputs)
            {
                w.WriteStartObject();
                w.WriteNumber("id", input.Input.Id);
                Json.Number(w, "local", input.Local);
                Json.Number(w, "downstream", input.Downstream);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

}
