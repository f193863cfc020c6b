using System.Globalization;
using System.Text;
using Backprop.Cli.Inference;
using Backprop.Onnx;
using Backprop.Teaching.Visualization;

namespace Backprop.Cli.Commands;

/// <summary>
/// `backprop explain model.onnx`: the graph of an imported ONNX model. The model is run once on zeros of its declared
/// input shapes (symbolic dimensions such as the batch taken as 1), which both checks that every node runs on
/// Backprop's operators and measures the shape of every value; the listing and the picture show those shapes.
/// </summary>
internal static class ExplainOnnx
{
    public static bool Applies(Arguments args) => args.Positional.Count == 1 && ImportedOnnxModel.IsOnnxPath(args.Positional[0]);

    public static int Run(Arguments args, CommandContext context, string? outPath, string? format, bool json)
    {
        string path = args.Positional[0];
        if (!File.Exists(path)) throw new CommandFailedException($"ONNX model '{path}' does not exist", ExitCodes.Failure);
        var model = ImportedOnnxModel.Open(path);
        var inputs = model.Inputs.ToDictionary(i => i.Name, SampleInput, StringComparer.Ordinal);
        IReadOnlyDictionary<string, Tensor> values;
        using (Autograd.NoGrad())
            values = Interruptible.Run(() => UserErrors.AtCall(() => model.Evaluate(inputs)), context.Cancellation);

        GraphPicture? picture = outPath is null ? null : UserErrors.AtCall(() => Picture(model, values));
        context.Out.Write(json ? ToJson(model, values, path) : Listing(model, values, path));
        if (picture is not null && outPath is not null)
        {
            string contents = format switch
            {
                "dot" => GraphDot.Render(picture),
                "html" => GraphHtml.Render(picture, Path.GetFileName(path)),
                _ => GraphSvg.Render(picture),
            };
            OutFile.Write(context, outPath, contents);
        }
        return ExitCodes.Ok;
    }

    private static Tensor SampleInput(OnnxValueInfo input)
    {
        var dtype = input.DType ?? throw new CommandFailedException($"the input '{input.Name}' is {input.ElementType}, which Backprop has no dtype for", ExitCodes.Failure);
        int[] shape = input.Dims is { } dims ? [.. dims.Select(d => d ?? 1)]
            : throw new CommandFailedException($"the input '{input.Name}' declares no shape; explain needs one to run the model", ExitCodes.Failure);
        return Tensor.Zeros(shape, dtype);
    }

    private static string ShapeOf(IReadOnlyDictionary<string, Tensor> values, string name) =>
        name.Length == 0 ? "-" : values.TryGetValue(name, out var t) ? Shapes.Format(t.Shape) : "?";

    private static string Listing(OnnxModel model, IReadOnlyDictionary<string, Tensor> values, string path)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        int weights = model.Parameters().Sum(p => p.Numel);
        text.Append(inv, $"{Path.GetFileName(path)}: {(model.Producer.Length > 0 ? model.Producer + ", " : "")}opset {model.Opset}, ")
            .Append(inv, $"{model.Nodes.Count} nodes, {model.Parameters().Count} parameter tensors ({weights} values)\n");
        text.Append("run once on zeros (symbolic dimensions as 1):\n");
        foreach (var input in model.Inputs)
            text.Append(inv, $"  input  {input.Name} {input.FormatShape()} {input.ElementType}\n");
        int width = Math.Max(8, model.Nodes.Max(n => (int?)n.OpType.Length) ?? 0);
        for (int i = 0; i < model.Nodes.Count; i++)
        {
            var node = model.Nodes[i];
            string ins = string.Join(", ", node.Inputs.Where(n => n.Length > 0).Select(n => $"{n} {ShapeOf(values, n)}"));
            string outs = string.Join(", ", node.Outputs.Where(n => n.Length > 0).Select(n => $"{n} {ShapeOf(values, n)}"));
            text.Append(inv, $"  {i + 1,4}  {node.OpType.PadRight(width)}  {ins} -> {outs}\n");
        }
        foreach (var output in model.Outputs)
            text.Append(inv, $"  output {output.Name} {ShapeOf(values, output.Name)}\n");
        return text.ToString();
    }

    private static string ToJson(OnnxModel model, IReadOnlyDictionary<string, Tensor> values, string path) => Json.Document(w =>
    {
        w.WriteStartObject();
        w.WriteString("model", path);
        w.WriteString("producer", model.Producer);
        w.WriteNumber("opset", model.Opset);
        w.WriteNumber("parameters", model.Parameters().Sum(p => p.Numel));
        w.WriteStartArray("nodes");
        foreach (var node in model.Nodes)
        {
            w.WriteStartObject();
            w.WriteString("op", node.OpType);
            w.WriteString("name", node.Name);
            WriteValues(w, "inputs", node.Inputs);
            WriteValues(w, "outputs", node.Outputs);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();

        void WriteValues(System.Text.Json.Utf8JsonWriter writer, string property, IReadOnlyList<string> names)
        {
            writer.WriteStartArray(property);
            foreach (var name in names.Where(n => n.Length > 0))
            {
                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteStartArray("shape");
                if (values.TryGetValue(name, out var t))
                    foreach (int d in t.Shape) writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
    }, indented: true) + "\n";

    // Graph inputs on the left, initializers as constants, one operator per node, outputs on the right; every edge
    // is labelled with the shape of the value it carries.
    private static GraphPicture Picture(OnnxModel model, IReadOnlyDictionary<string, Tensor> values)
    {
        var nodes = new List<GraphNode>();
        var edges = new List<GraphEdge>();
        var producer = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var input in model.Inputs)
        {
            nodes.Add(new GraphNode("in:" + input.Name, input.Name, GraphNodeKind.Input));
            producer[input.Name] = "in:" + input.Name;
        }
        var initializers = new HashSet<string>(model.InitializerNames, StringComparer.Ordinal);
        for (int i = 0; i < model.Nodes.Count; i++)
        {
            var node = model.Nodes[i];
            string id = "node:" + i.ToString(CultureInfo.InvariantCulture);
            nodes.Add(new GraphNode(id, node.OpType, GraphNodeKind.Operator, Name: node.Name));
            foreach (var name in node.Inputs.Where(n => n.Length > 0))
            {
                if (!producer.TryGetValue(name, out var from))
                {
                    // An initializer, drawn where it is first used.
                    from = "const:" + name;
                    nodes.Add(new GraphNode(from, initializers.Contains(name) ? name : "const", GraphNodeKind.Constant));
                    producer[name] = from;
                }
                edges.Add(new GraphEdge(from, id, 0, Text: ShapeOf(values, name)));
            }
            foreach (var name in node.Outputs.Where(n => n.Length > 0)) producer[name] = id;
        }
        foreach (var output in model.Outputs)
        {
            string id = "out:" + output.Name;
            nodes.Add(new GraphNode(id, output.Name, GraphNodeKind.Output));
            if (producer.TryGetValue(output.Name, out var from)) edges.Add(new GraphEdge(from, id, 0, Text: ShapeOf(values, output.Name)));
        }
        var picture = new GraphPicture(nodes, edges);
        picture.Validate();
        return picture;
    }
}
