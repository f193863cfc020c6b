using Backprop.Onnx.Protobuf;
using Backprop.Ops;

namespace Backprop.Onnx;

/// <summary>
/// Turns one traced forward pass into an ONNX graph, walking back from the output to the leaves: a sample input is a
/// graph input, a parameter or buffer an initializer under its state-dict name, any other leaf a constant initializer,
/// and each recorded node is handed to <see cref="OnnxExportOperators"/>. The walk pairs every tensor with its counterpart in
/// a second trace at another batch size (<c>other</c>); the dimensions that differ are the batch-dependent ones.
/// </summary>
internal sealed class GraphWriter
{
    private const string Root = "(model)";

    private readonly Trace _trace, _other;
    private readonly string[] _inputNames;
    private readonly Dictionary<Tensor, string> _weights;
    private readonly bool _withWeightData;
    private readonly Dictionary<Tensor, string> _names = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<string> _initializers = [];
    private readonly GraphProto _graph = new() { Name = "backprop" };
    private readonly List<string> _nodeSources = [];
    private readonly Dictionary<string, string> _constantSources = [];
    private int _next;
    private string _op = "", _module = Root;

    public GraphWriter(Trace trace, Trace other, string[] inputNames, Dictionary<Tensor, string> weights, bool withWeightData)
    {
        _trace = trace;
        _other = other;
        _inputNames = inputNames;
        _weights = weights;
        _withWeightData = withWeightData;
    }

    /// <summary>The batch size of the trace being written (axis 0 of its first input).</summary>
    public int Batch => _trace.Inputs[0].ShapeArray[0];

    /// <summary>The graph, with which operator and module made each node and each constant (for error messages).</summary>
    public WrittenGraph Write()
    {
        for (int i = 0; i < _trace.Inputs.Length; i++)
        {
            var x = _trace.Inputs[i];
            _names.TryAdd(x, _inputNames[i]);
            _graph.Input.Add(ValueInfo(_inputNames[i], x, _other.Inputs[i]));
        }
        string last = Visit(_trace.Output, _other.Output);
        _op = "output";
        _module = Root;
        _graph.Node.Add(new NodeProto { OpType = "Identity", Name = "output", Input = { last }, Output = { "output" } });
        _nodeSources.Add("the output");
        _graph.Output.Add(ValueInfo("output", _trace.Output, _other.Output));
        return new WrittenGraph(_graph, _nodeSources, _constantSources, Batch);
    }

    /// <summary>
    /// Checks that the graph written from the second trace is the same as the first's: the same nodes with the same
    /// attributes, and the same constants. A difference means a value that depends on the batch size was baked in.
    /// </summary>
    public static void RequireSame(WrittenGraph first, WrittenGraph second)
    {
        var a = first.Graph;
        var b = second.Graph;
        int n = Math.Min(a.Node.Count, b.Node.Count);
        for (int i = 0; i < n; i++)
            if (!a.Node[i].Equals(b.Node[i]))
                throw Differs(first.NodeSources[i], $"its ONNX node {a.Node[i].OpType} has different attributes or inputs at batch size {second.Batch} than at {first.Batch}");
        if (a.Node.Count != b.Node.Count)
            throw Differs(first.NodeSources[Math.Min(n, first.NodeSources.Count - 1)], "the forward pass records a different number of operators at another batch size");
        var constants = b.Initializer.Where(t => second.ConstantSources.ContainsKey(t.Name)).ToDictionary(t => t.Name);
        foreach (var t in a.Initializer)
        {
            if (!first.ConstantSources.TryGetValue(t.Name, out var source)) continue;
            if (!constants.TryGetValue(t.Name, out var other) || !other.Equals(t))
                throw Differs(source, "a constant it uses has different values at another batch size (it was computed from the batch outside the recorded operators, or from the batch size)");
        }
    }

    private static OnnxExportException Differs(string source, string what)
    {
        // The sources read "'op' in module m"; the exception carries them apart.
        var (op, module) = SplitSource(source);
        return new OnnxExportException(op, module,
            $"onnx export: {source} cannot be exported with a dynamic batch: {what}. Expected a forward pass whose operators and constants do not depend on the batch size");
    }

    private static (string Op, string Module) SplitSource(string source)
    {
        int q = source.IndexOf("' in module ", StringComparison.Ordinal);
        return q < 0 || !source.StartsWith('\'') ? (source, Root) : (source[1..q], source[(q + 12)..]);
    }

    private string Visit(Tensor t, Tensor u)
    {
        if (_names.TryGetValue(t, out var known)) return known;
        string name = t.GradFn is null ? Leaf(t, u) : Operator(t, u);
        _names[t] = name;
        return name;
    }

    private string Leaf(Tensor t, Tensor u)
    {
        if (_weights.TryGetValue(t, out var weight))
        {
            if (!ReferenceEquals(t, u)) throw Fail($"it reads the parameter '{weight}' at one batch size and another tensor at another");
            if (_initializers.Add(weight))
                _graph.Initializer.Add(_withWeightData ? OnnxTensors.ToProto(t, weight) : Placeholder(t, weight));
            return weight;
        }
        if (!t.ShapeArray.AsSpan().SequenceEqual(u.ShapeArray))
            throw Fail($"it uses a constant {Shapes.Format(t.ShapeArray)} whose shape changes with the batch size ({Shapes.Format(u.ShapeArray)} at batch {_other.Inputs[0].ShapeArray[0]}): " +
                "it was computed outside the recorded operators (a comparison, argmax, one-hot or a tensor built from the batch size)");
        return Constant(t);
    }

    private string Operator(Tensor t, Tensor u)
    {
        var node = t.GradFn!;
        var other = u.GradFn;
        string op = node.Name, module = ModuleOf(node);
        if (other is null || other.GetType() != node.GetType() || other.InputArray.Length != node.InputArray.Length)
        {
            (_op, _module) = (op, module);
            throw Fail($"the forward pass records a different operator here at batch size {_other.Inputs[0].ShapeArray[0]} ({other?.Name ?? "none"})");
        }
        var inputs = new string[node.InputArray.Length];
        // The operator is the current one again before each input, so a leaf's constant or error names its consumer.
        for (int i = 0; i < inputs.Length; i++)
        {
            (_op, _module) = (op, module);
            inputs[i] = Visit(node.InputArray[i], other.InputArray[i]);
        }
        var extras = Extras(node);
        var otherExtras = Extras(other);
        var extraNames = new string[extras.Length];
        for (int i = 0; i < extras.Length; i++)
        {
            (_op, _module) = (op, module);
            extraNames[i] = Visit(extras[i], otherExtras[i]);
        }
        (_op, _module) = (op, module);
        return OnnxExportOperators.Emit(this, node, t, u, inputs, extraNames);
    }

    // Tensors a node reads but does not list as inputs, because no gradient flows to them: embedding, gather and
    // scatter indices, the condition of where, the mask of masked_fill, the labels and class weights of a loss. They
    // may still come from the graph inputs.
    internal static Tensor[] Extras(Node node) => node switch
    {
        EmbeddingOp e => [e.IndexSource!],
        GatherOp g => [g.IndexSource!],
        ScatterAddOp s => [s.IndexSource!],
        CrossEntropyOp c => c.WeightSource is { } weight ? [c.LabelSource!, weight] : [c.LabelSource!],
        WhereOp w => [w.Condition!],
        MaskedFillOp m => [m.MaskSource!],
        _ => [],
    };

    // The module whose forward recorded the node: the path the trace took down (ForwardChild, Sequential), or else the
    // module owning a parameter it reads, or else the model itself.
    private string ModuleOf(Node node)
    {
        if (node.Origin?.ModulePath is { } path) return path;
        foreach (var input in node.InputArray)
            if (_weights.TryGetValue(input, out var weight))
                return weight.Contains('.') ? weight[..weight.LastIndexOf('.')] : Root;
        return Root;
    }

    /// <summary>An export error for the operator being written, naming it and its module.</summary>
    public OnnxExportException Fail(string reason) =>
        new(_op, _module, $"onnx export: operator '{_op}' in module {_module} cannot be exported: {reason}");

    /// <summary>The axes of <paramref name="t"/> whose size differs in the other trace (<paramref name="u"/>): the batch-dependent ones.</summary>
    public static bool[] BatchAxes(Tensor t, Tensor u)
    {
        var result = new bool[t.Rank];
        for (int i = 0; i < t.Rank; i++) result[i] = i >= u.Rank || t.ShapeArray[i] != u.ShapeArray[i];
        return result;
    }

    /// <summary>Appends a node with one output, named after the operator being written; returns the output's name.</summary>
    public string Add(string opType, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        string output = $"{opType.ToLowerInvariant()}_{_next++}";
        var node = new NodeProto { OpType = opType, Name = $"{_module}/{_op}/{output}" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        _nodeSources.Add(Source());
        return output;
    }

    /// <summary>Appends a node with <paramref name="outputs"/> outputs; returns their names.</summary>
    public string[] AddWithOutputs(string opType, int outputs, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var names = new string[outputs];
        for (int i = 0; i < outputs; i++) names[i] = $"{opType.ToLowerInvariant()}_{_next++}";
        var node = new NodeProto { OpType = opType, Name = $"{_module}/{_op}/{names[0]}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(names);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        _nodeSources.Add(Source());
        return names;
    }

    /// <summary>A constant initializer holding <paramref name="t"/>.</summary>
    public string Constant(Tensor t)
    {
        string name = $"constant_{_next++}";
        _graph.Initializer.Add(OnnxTensors.ToProto(t, name));
        _constantSources[name] = Source();
        return name;
    }

    /// <summary>A 0-d constant of the given dtype.</summary>
    public string Scalar(double value, DType dtype) => Constant(Tensor.Full([], value, dtype));

    /// <summary>A 1-d int64 constant (shapes, axes, pads), or 0-d with <paramref name="scalar"/>.</summary>
    public string Int64s(long[] values, bool scalar = false)
    {
        string name = $"constant_{_next++}";
        _graph.Initializer.Add(scalar ? OnnxTensors.ToInt64Proto(values, name) : OnnxTensors.ToInt64Proto(values, name, values.Length));
        _constantSources[name] = Source();
        return name;
    }

    private string Source() => _op == "output" ? "the output" : $"'{_op}' in module {_module}";

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8(value) };

    public static AttributeProto Float(string name, double value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)value };

    /// <summary>ONNX's element type for a Backprop dtype.</summary>
    public static int ElementType(DType dtype) => (int)(dtype switch
    {
        DType.Float32 => TensorProto.Types.DataType.Float,
        DType.Float64 => TensorProto.Types.DataType.Double,
        _ => TensorProto.Types.DataType.Int32,
    });

    // A weight's name, type and dims without its data: the second graph is only compared, never written.
    private static TensorProto Placeholder(Tensor t, string name)
    {
        var proto = new TensorProto { Name = name, DataType = ElementType(t.DType) };
        foreach (int d in t.ShapeArray) proto.Dims.Add(d);
        return proto;
    }

    // A graph input or output: the batch-dependent axes are the symbolic "batch" where they equal the batch size,
    // and unnamed otherwise (a size such as batch × time).
    private ValueInfoProto ValueInfo(string name, Tensor t, Tensor u)
    {
        var shape = new TensorShapeProto();
        var batchAxes = BatchAxes(t, u);
        for (int i = 0; i < t.Rank; i++)
        {
            var dim = new TensorShapeProto.Types.Dimension();
            if (!batchAxes[i]) dim.DimValue = t.ShapeArray[i];
            else if (t.ShapeArray[i] == Batch) dim.DimParam = "batch";
            shape.Dim.Add(dim);
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = ElementType(t.DType), Shape = shape } },
        };
    }
}

/// <summary>A written graph with, per node and per constant initializer, the operator and module it came from.</summary>
internal sealed record WrittenGraph(GraphProto Graph, List<string> NodeSources, Dictionary<string, string> ConstantSources, int Batch);
