using System.Text.Json;
using Backprop.Teaching.Expressions;
using Backprop.Teaching.Visualization;

namespace Backprop.Cli.Commands;

/// <summary>
/// `backprop explain --order 2`: the graph of the gradient itself — the nodes the backward pass records with
/// createGraph — as text, JSON or a picture, with the second derivatives.
/// </summary>
internal static class ExplainSecondOrder
{
    /// <summary>Whether --order asks for the gradient graph; 1 (or no --order) is the ordinary explanation.</summary>
    public static bool Applies(Arguments args) => (args.Text("order") ?? "1") switch
    {
        "1" => false,
        "2" => true,
        var other => throw new UsageException($"--order must be 1 (the forward and backward pass) or 2 (the graph of the gradient), got '{other}'"),
    };

    public static int Run(Arguments args, CommandContext context, string? outPath, string? format)
    {
        ProgramInput input = ProgramInput.Read(args, Console.In);
        bool json = args.Flag("json");
        GradientGraph graph = Interruptible.Run(() => ProgramInput.TranslateErrors(() =>
            UserErrors.AtCall(() => GradientGraph.Build(ProgramEvaluator.Evaluate(input.Program, input.Values, input.OutputName)))), context.Cancellation);
        // Built before anything is printed, so a graph too large to draw fails with one line and no half of the output.
        GraphPicture? picture = outPath is null ? null : UserErrors.AtCall(() => GradientGraphPicture.Build(graph));
        if (picture is { Nodes.Count: 0 })
            throw new CommandFailedException("the output depends on no input, so its gradient graph is empty and there is nothing to draw", ExitCodes.Failure);
        context.Out.Write(json ? ToJson(graph) : GradientGraphText.Render(graph));
        if (picture is not null && outPath is not null)
            ExplainCommand.WritePicture(context, outPath, format!, picture, () => GraphHtml.Render(picture, "gradient of " + input.Program.OneLine));
        return ExitCodes.Ok;
    }

    /// <summary>The gradient graph as JSON, numbers in full double precision (non-finite ones as null).</summary>
    public static string ToJson(GradientGraph graph)
    {
        EvaluatedProgram program = graph.Program;
        string[] inputs = graph.Gradients.Select(g => g.Key).ToArray();
        return Json.Document(w =>
        {
            w.WriteStartObject();
            ProgramJson.Head(w, program, order: 2, outputId: false);
            w.WriteStartObject("gradients");
            foreach ((string name, GradientGraphNode? node) in graph.Gradients)
            {
                w.WriteStartObject(name);
                Json.Number(w, "value", node?.Value ?? 0);
                if (node is null) w.WriteNull("node");
                else w.WriteNumber("node", node.Id);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteStartObject("hessian");
            for (int i = 0; i < inputs.Length; i++)
            {
                w.WriteStartObject(inputs[i]);
                for (int j = 0; j < inputs.Length; j++)
                    Json.Number(w, inputs[j], graph.Hessian[i, j]);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteStartArray("nodes");
            foreach (GradientGraphNode node in graph.Nodes)
                WriteNode(w, node);
            w.WriteEndArray();
            w.WriteEndObject();
        }, indented: true) + "\n";
    }

    private static void WriteNode(Utf8JsonWriter w, GradientGraphNode node)
    {
        w.WriteStartObject();
        w.WriteNumber("id", node.Id);
        w.WriteString("kind", node.Kind switch
        {
            GradientGraphNodeKind.Forward => "forward",
            GradientGraphNodeKind.Constant => "constant",
            _ => "operation",
        });
        w.WriteString("label", node.Label);
        w.WriteString("op", node.Operator);
        if (node.Forward is null) w.WriteNull("program_node");
        else w.WriteNumber("program_node", node.Forward.Id);
        Json.Number(w, "value", node.Value);
        Json.Number(w, "second_gradient", node.SecondGradient);
        w.WriteStartArray("inputs");
        foreach (GradientGraphNode input in node.Inputs)
            w.WriteNumberValue(input.Id);
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
