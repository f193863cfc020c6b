using Backprop.Onnx.Protobuf;
using Google.Protobuf;

namespace Backprop.Onnx;

/// <summary>
/// A parsed and checked ONNX graph: the ModelProto read with its sizes bounded, every node's op type known, every
/// input produced by a graph input, an initializer or an earlier node, and the nodes in an order in which each runs
/// after its producers (ONNX requires files to be sorted, but a sort costs little and makes a cycle a clear error).
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary>The largest model file read: protobuf messages cannot exceed 2 GB.</summary>
    internal const long MaxFileBytes = int.MaxValue;

    private OnnxGraph(ModelProto model, int opset, NodeProto[] nodes)
    {
        Model = model;
        Opset = opset;
        Nodes = nodes;
    }

    internal ModelProto Model { get; }

    internal GraphProto Graph => Model.Graph;

    /// <summary>The version of the default operator set (domain "" or "ai.onnx") the model imports.</summary>
    internal int Opset { get; }

    /// <summary>The nodes in dependency order.</summary>
    internal NodeProto[] Nodes { get; }

    /// <summary>How a node is named in messages: its name, or its first output when unnamed.</summary>
    internal static string Describe(NodeProto node) =>
        node.Name.Length > 0 ? node.Name : node.Output.Count > 0 ? $"(unnamed, output '{node.Output[0]}')" : "(unnamed)";

    /// <summary>Reads and checks the model file at <paramref name="path"/>.</summary>
    internal static OnnxGraph Read(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"onnx: no model file at {path}", path);
        if (info.Length > MaxFileBytes)
            throw new InvalidDataException($"onnx: {path} is {info.Length} bytes; a model file (a protobuf message) is at most {MaxFileBytes}");
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses and checks a model held in memory; <paramref name="source"/> names it in errors.</summary>
    internal static OnnxGraph Parse(byte[] bytes, string source)
    {
        ModelProto model;
        try
        {
            // Parsing from a byte array bounds every length prefix by the bytes that remain: a declared field larger
            // than the file is an error here, before anything of that size is allocated.
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"onnx: {source} is not a valid ONNX model (corrupt or truncated protobuf: {e.Message})", e);
        }
        if (model.Graph is null || model.Graph.Node.Count == 0 && model.Graph.Output.Count == 0)
            throw new InvalidDataException($"onnx: {source} has no graph (expected an ONNX ModelProto with nodes and outputs)");

        int opset = 0;
        foreach (var import in model.OpsetImport)
            if (import.Domain is "" or "ai.onnx")
                opset = (int)Math.Clamp(import.Version, 1, int.MaxValue);
        // IR version 2 files may leave the operator set out; they predate opset 2.
        if (opset == 0) opset = 1;

        var graph = model.Graph;
        foreach (var node in graph.Node)
        {
            if (node.Domain is not ("" or "ai.onnx" or OnnxOperators.TrainingDomain))
                throw new NotSupportedException(
                    $"onnx: node '{Describe(node)}' has op type {node.OpType} of domain '{node.Domain}'; only the default ONNX domain (and the optimizers of {OnnxOperators.TrainingDomain}) is supported");
            if (!OnnxOperators.IsSupported(node.Domain, node.OpType))
                throw new NotSupportedException(
                    $"onnx: node '{Describe(node)}' has op type {node.OpType}{(node.Domain.Length > 0 ? $" of domain '{node.Domain}'" : "")}, which Backprop does not implement (supported: {string.Join(", ", OnnxOperators.SupportedOpTypes)})");
        }
        return new OnnxGraph(model, opset, Sort(graph, source));
    }

    // Kahn's algorithm over the value names: a node is ready when every input it names is available.
    private static NodeProto[] Sort(GraphProto graph, string source)
    {
        var available = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in graph.Input) available.Add(input.Name);
        foreach (var init in graph.Initializer) available.Add(init.Name);

        var producer = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
            foreach (var output in node.Output)
            {
                if (output.Length == 0) continue;
                if (producer.TryGetValue(output, out var other) || available.Contains(output))
                    throw new InvalidDataException(
                        $"onnx: {source}: node '{Describe(node)}' ({node.OpType}) writes '{output}', which {(other is null ? "a graph input or initializer" : $"node '{Describe(other)}'")} already defines (expected each value to be defined once)");
                producer[output] = node;
            }

        var missing = new Dictionary<NodeProto, int>();
        var consumers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        var ready = new Queue<NodeProto>();
        foreach (var node in graph.Node)
        {
            int waiting = 0;
            foreach (var input in node.Input)
            {
                if (input.Length == 0 || available.Contains(input)) continue;
                if (!producer.ContainsKey(input))
                    throw new InvalidDataException(
                        $"onnx: {source}: node '{Describe(node)}' ({node.OpType}) reads '{input}', which no graph input, initializer or node defines");
                waiting++;
                if (!consumers.TryGetValue(input, out var list)) consumers[input] = list = [];
                list.Add(node);
            }
            missing[node] = waiting;
            if (waiting == 0) ready.Enqueue(node);
        }

        var order = new List<NodeProto>(graph.Node.Count);
        while (ready.Count > 0)
        {
            var node = ready.Dequeue();
            order.Add(node);
            foreach (var output in node.Output)
                if (output.Length > 0 && consumers.TryGetValue(output, out var list))
                    foreach (var consumer in list)
                        if (--missing[consumer] == 0) ready.Enqueue(consumer);
        }
        if (order.Count != graph.Node.Count)
        {
            var stuck = graph.Node.First(n => missing[n] > 0);
            throw new InvalidDataException(
                $"onnx: {source}: the graph has a cycle through node '{Describe(stuck)}' ({stuck.OpType}) (expected an acyclic graph)");
        }

        foreach (var output in graph.Output)
            if (!available.Contains(output.Name) && !producer.ContainsKey(output.Name))
                throw new InvalidDataException($"onnx: {source}: graph output '{output.Name}' is not defined by any node, input or initializer");
        return [.. order];
    }
}
