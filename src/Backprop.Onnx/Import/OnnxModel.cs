using Backprop.NN;
using Backprop.Onnx.Protobuf;

namespace Backprop.Onnx;

/// <summary>
/// An ONNX model imported as a Backprop module: its graph runs on Backprop's own operators, so it computes forward
/// and backward, and its floating-point initializers are parameters (they require gradients, appear in
/// <see cref="Module.Parameters"/> and <see cref="Module.StateDict"/> under their ONNX names) that any optimizer can
/// fine-tune. Integer initializers (shapes, indices) and BatchNormalization's running statistics are buffers.
/// </summary>
/// <example><code>
/// var model = OnnxModel.Load("mlp.onnx");
/// var logits = model.Run(batch)[0];
/// </code></example>
public sealed class OnnxModel : Module<Tensor[], Tensor[]>
{
    private readonly OnnxGraph _graph;
    private readonly Dictionary<string, Tensor> _initializers = new(StringComparer.Ordinal);
    // Integer constants (initializers, Constant nodes) as ONNX wrote them, for operators that read them as lists.
    private readonly Dictionary<string, long[]> _constantInts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OnnxParameterGroup> _groups = new(StringComparer.Ordinal);
    private readonly string _source;

    private OnnxModel(OnnxGraph graph, string source)
    {
        _graph = graph;
        _source = source;
        var overridable = new HashSet<string>(StringComparer.Ordinal);
        var statistics = RunningStatistics(graph);
        foreach (var proto in graph.Graph.Initializer)
        {
            overridable.Add(proto.Name);
            bool integer = (TensorProto.Types.DataType)proto.DataType is TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Int32;
            if (integer) _constantInts[proto.Name] = OnnxTensors.Int64Values(proto);
            Tensor tensor;
            try
            {
                tensor = OnnxTensors.FromProto(proto);
            }
            catch (InvalidDataException) when (integer)
            {
                continue; // int64 values beyond int32: usable only as a list (a Slice bound), see OnnxNodeContext.Input
            }
            _initializers[proto.Name] = Register(proto.Name, tensor, parameter: tensor.DType != DType.Int32 && !statistics.Contains(proto.Name));
        }
        foreach (var node in graph.Nodes)
            if (node.OpType == "Constant")
                FoldConstant(node);

        Inputs = [.. graph.Graph.Input.Where(i => !overridable.Contains(i.Name)).Select(Info)];
        Outputs = [.. graph.Graph.Output.Select(Info)];
    }

    /// <summary>Loads the ONNX model at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid ONNX model: corrupt or truncated, sizes that do not match, a cycle, an undefined value.</exception>
    /// <exception cref="NotSupportedException">The model uses an op type or attribute Backprop does not implement.</exception>
    public static OnnxModel Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return new OnnxModel(OnnxGraph.Read(path), path);
    }

    /// <summary>Loads an ONNX model from its bytes; <paramref name="source"/> names it in errors.</summary>
    public static OnnxModel Load(byte[] bytes, string source = "the model")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return new OnnxModel(OnnxGraph.Parse(bytes, source), source);
    }

    /// <summary>The inputs a caller supplies, in order (initializers that the file also lists as inputs are not among them).</summary>
    public IReadOnlyList<OnnxValueInfo> Inputs { get; }

    /// <summary>The outputs <see cref="Run(Tensor[])"/> returns, in order.</summary>
    public IReadOnlyList<OnnxValueInfo> Outputs { get; }

    /// <summary>The version of the default ONNX operator set the model imports.</summary>
    public int Opset => _graph.Opset;

    /// <summary>The graph's nodes in the order they run.</summary>
    public IReadOnlyList<OnnxNodeInfo> Nodes => [.. _graph.Nodes.Select(n => new OnnxNodeInfo(n.OpType, OnnxGraph.Describe(n), [.. n.Input], [.. n.Output]))];

    /// <summary>The names of the initializers (weights and constants), in the file's order.</summary>
    public IReadOnlyList<string> InitializerNames => [.. _graph.Graph.Initializer.Select(i => i.Name)];

    /// <summary>The producer named in the file, such as "pytorch 1.13.1", or empty.</summary>
    public string Producer => (_graph.Model.ProducerName + " " + _graph.Model.ProducerVersion).Trim();

    public override string Describe() =>
        $"OnnxModel({(_graph.Graph.Name.Length > 0 ? _graph.Graph.Name + ", " : "")}{_graph.Nodes.Length} nodes, opset {Opset})";

    /// <summary>Runs the graph; the same as <see cref="Run(Tensor[])"/>.</summary>
    public override Tensor[] Forward(Tensor[] input) => Run(input);

    /// <summary>Runs the graph on its inputs, given in the order of <see cref="Inputs"/>; returns the outputs in the order of <see cref="Outputs"/>.</summary>
    /// <exception cref="ArgumentException">The wrong number of inputs, or one whose dtype or shape contradicts the model's declaration, or a node that fails on them.</exception>
    public Tensor[] Run(params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length != Inputs.Count)
            throw new ArgumentException(
                $"onnx: the model takes {Inputs.Count} input{(Inputs.Count == 1 ? "" : "s")} ({string.Join(", ", Inputs.Select(i => $"{i.Name} {i.FormatShape()}"))}), got {inputs.Length}");
        var named = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < inputs.Length; i++) named[Inputs[i].Name] = inputs[i];
        var results = Run(named);
        return [.. Outputs.Select(o => results[o.Name])];
    }

    /// <summary>Runs the graph on named inputs; returns every graph output by name. An initializer may be overridden by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var values = Evaluate(inputs);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var output in _graph.Graph.Output)
            result[output.Name] = values.TryGetValue(output.Name, out var t) ? t
                : throw new InvalidDataException($"onnx: {_source}: the graph output '{output.Name}' holds int64 values beyond int32");
        return result;
    }

    /// <summary>
    /// Runs the graph on named inputs and returns every value it holds by name: inputs, initializers, constants and
    /// each node's outputs (for inspecting a graph, such as drawing it with the shapes that flow along its edges).
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> Evaluate(IReadOnlyDictionary<string, Tensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var values = new Dictionary<string, Tensor>(_initializers, StringComparer.Ordinal);
        foreach (var info in Inputs)
        {
            if (!inputs.TryGetValue(info.Name, out var given) || given is null)
                throw new ArgumentException($"onnx: the input '{info.Name}' {info.FormatShape()} is missing");
            Check(info, given);
        }
        foreach (var (name, tensor) in inputs)
        {
            ArgumentNullException.ThrowIfNull(tensor, name);
            if (!values.ContainsKey(name) && !Inputs.Any(i => i.Name == name))
                throw new ArgumentException($"onnx: the model has no input named '{name}' (inputs: {string.Join(", ", Inputs.Select(i => i.Name))})");
            values[name] = tensor;
        }

        foreach (var node in _graph.Nodes)
        {
            if (node.OpType == "Constant") continue; // folded when the model was loaded
            var ins = new Tensor?[node.Input.Count];
            var ints = new long[]?[node.Input.Count];
            for (int i = 0; i < ins.Length; i++)
            {
                string name = node.Input[i];
                if (name.Length == 0) continue;
                values.TryGetValue(name, out ins[i]);
                // A constant list is read as written, unless the caller replaced that initializer.
                if (_constantInts.TryGetValue(name, out var list) && !inputs.ContainsKey(name)) ints[i] = list;
            }
            var context = new OnnxNodeContext(node, _graph.Opset, ins, ints);
            Tensor?[] outs;
            try
            {
                outs = OnnxOperators.Run(context);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"onnx: node '{context.Label}' ({node.OpType}) failed: {e.Message}", e);
            }
            for (int i = 0; i < node.Output.Count && i < outs.Length; i++)
                if (node.Output[i].Length > 0 && outs[i] is { } t) values[node.Output[i]] = t;
            for (int i = 0; i < node.Output.Count; i++)
                if (node.Output[i].Length > 0 && (i >= outs.Length || outs[i] is null))
                    throw context.Unsupported($"output {i} ('{node.Output[i]}')");
        }

        return values;
    }

    // BatchNormalization's mean and variance inputs are running statistics, not weights: buffers, as in PyTorch.
    private static HashSet<string> RunningStatistics(OnnxGraph graph)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
            if (node.OpType == "BatchNormalization")
                foreach (int i in (ReadOnlySpan<int>)[3, 4])
                    if (i < node.Input.Count) names.Add(node.Input[i]);
        return names;
    }

    private static void Check(OnnxValueInfo info, Tensor given)
    {
        if (info.DType is { } dtype && given.DType != dtype)
            throw new ArgumentException($"onnx: the input '{info.Name}' is declared {info.ElementType} ({dtype} in Backprop), got {given.DType}");
        if (info.Dims is not { } dims) return;
        bool fits = dims.Count == given.Rank;
        for (int d = 0; fits && d < dims.Count; d++) fits = dims[d] is not { } size || size == given.Shape[d];
        if (!fits)
            throw new ArgumentException($"onnx: the input '{info.Name}' is declared {info.FormatShape()}, got {Shapes.Format(given.ShapeArray)}");
    }

    private void FoldConstant(NodeProto node)
    {
        var context = new OnnxNodeContext(node, _graph.Opset, [], []);
        var proto = OnnxOperators.ConstantProto(context);
        if (node.Output.Count != 1 || node.Output[0].Length == 0) throw context.Error("expected one output");
        string name = node.Output[0];
        bool integer = (TensorProto.Types.DataType)proto.DataType is TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Int32;
        if (integer) _constantInts[name] = OnnxTensors.Int64Values(proto);
        try
        {
            _initializers[name] = OnnxTensors.FromProto(proto);
        }
        catch (InvalidDataException e) when (!integer)
        {
            throw context.Error(e.Message);
        }
        catch (InvalidDataException) when (integer)
        {
            // beyond int32: kept only as a list
        }
    }

    // Registers an initializer under its ONNX name; dotted names become nested groups (fc1.weight → group fc1, weight).
    private Tensor Register(string onnxName, Tensor tensor, bool parameter)
    {
        var parts = onnxName.Split('.');
        if (parts.Any(p => p.Length == 0)) parts = [onnxName.Replace('.', '_')];
        if (parts.Length == 1)
            return parameter ? RegisterParameter(parts[0], tensor) : RegisterBuffer(parts[0], tensor);
        if (!_groups.TryGetValue(parts[0], out var group))
            _groups[parts[0]] = group = RegisterModule(parts[0], new OnnxParameterGroup(parts[0]));
        for (int i = 1; i < parts.Length - 1; i++) group = group.Group(parts[i]);
        return parameter ? group.AddParameter(parts[^1], tensor) : group.AddBuffer(parts[^1], tensor);
    }

    private static OnnxValueInfo Info(ValueInfoProto value)
    {
        if (value.Type?.TensorType is not { } tensorType) return new OnnxValueInfo(value.Name, null, "UNDEFINED", null);
        var type = (TensorProto.Types.DataType)tensorType.ElemType;
        DType? dtype = type switch
        {
            TensorProto.Types.DataType.Float => DType.Float32,
            TensorProto.Types.DataType.Double => DType.Float64,
            TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Int32 or TensorProto.Types.DataType.Int16
                or TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Bool => DType.Int32,
            _ => null,
        };
        IReadOnlyList<int?>? dims = tensorType.Shape is { } shape
            ? [.. shape.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && d.DimValue is >= 0 and <= int.MaxValue ? (int?)d.DimValue : null)]
            : null;
        return new OnnxValueInfo(value.Name, dtype, type.ToString().ToUpperInvariant(), dims);
    }
}
