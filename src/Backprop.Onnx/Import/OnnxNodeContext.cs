using Backprop.Onnx.Protobuf;

namespace Backprop.Onnx;

/// <summary>
/// What one operator mapping sees of its node while the graph runs: the node's input tensors, its attributes with
/// ONNX's defaults, the opset the model imports, and errors that name the node. Integer inputs that ONNX uses as
/// lists (shapes, axes, Slice bounds) are read unnarrowed when they are constants, so int64 sentinels such as
/// INT64_MAX for "to the end" survive.
/// </summary>
internal sealed class OnnxNodeContext
{
    private readonly Dictionary<string, AttributeProto> _attributes = new(StringComparer.Ordinal);
    private readonly Tensor?[] _inputs;
    private readonly long[]?[] _constantInts;

    internal OnnxNodeContext(NodeProto node, int opset, Tensor?[] inputs, long[]?[] constantInts)
    {
        Node = node;
        Opset = opset;
        _inputs = inputs;
        _constantInts = constantInts;
        foreach (var a in node.Attribute) _attributes[a.Name] = a;
    }

    internal NodeProto Node { get; }

    /// <summary>The version of the default ONNX operator set the model imports.</summary>
    internal int Opset { get; }

    internal string OpType => Node.OpType;

    /// <summary>How the node is named in errors: its name, or its first output when it has none.</summary>
    internal string Label => OnnxGraph.Describe(Node);

    /// <summary>The number of inputs, counting optional ones left empty in the middle but not at the end.</summary>
    internal int InputCount => _inputs.Length;

    /// <summary>The number of outputs the node declares.</summary>
    internal int OutputCount => Node.Output.Count;

    /// <summary>Whether output <paramref name="index"/> is declared and named (an optional output left empty is not wanted).</summary>
    internal bool WantsOutput(int index) => index < Node.Output.Count && Node.Output[index].Length > 0;

    internal Tensor Input(int index)
    {
        if (OptionalInput(index) is { } t) return t;
        if (index < _constantInts.Length && _constantInts[index] is not null)
            throw Error($"input {index} ('{Node.Input[index]}') holds int64 values beyond Backprop's int32 range, usable only as a list of bounds");
        throw Error($"input {index} is required but {(index < _inputs.Length ? "empty" : $"the node has {_inputs.Length} inputs")}");
    }

    internal Tensor? OptionalInput(int index) => index < _inputs.Length ? _inputs[index] : null;

    /// <summary>An integer list input (shape, axes, pads...), or null when the input is absent or empty-named.</summary>
    internal long[]? OptionalInts(int index)
    {
        if (index >= _inputs.Length) return null;
        if (_constantInts[index] is { } constant) return constant;
        if (_inputs[index] is not { } t) return null;
        if (t.DType != DType.Int32) throw Error($"input {index} must hold integers, got {t.DType}");
        return Array.ConvertAll(t.ToArray<int>(), v => (long)v);
    }

    internal long[] Ints(int index) => OptionalInts(index) ?? throw Error($"input {index} (an integer list) is required");

    /// <summary>A scalar input (a 0-d or one-element tensor) as a double, or null when absent.</summary>
    internal double? OptionalScalar(int index)
    {
        if (OptionalInput(index) is not { } t) return null;
        if (t.Numel != 1) throw Error($"input {index} must be a scalar, got shape {Shapes.Format(t.ShapeArray)}");
        return t.Item();
    }

    internal bool HasAttribute(string name) => _attributes.ContainsKey(name);

    internal long Int(string name, long fallback) => Attribute(name, AttributeProto.Types.AttributeType.Int) is { } a ? a.I : fallback;

    internal float Float(string name, float fallback) => Attribute(name, AttributeProto.Types.AttributeType.Float) is { } a ? a.F : fallback;

    internal string? String(string name) => Attribute(name, AttributeProto.Types.AttributeType.String) is { } a ? a.S.ToStringUtf8() : null;

    internal long[]? IntList(string name) => Attribute(name, AttributeProto.Types.AttributeType.Ints) is { } a ? [.. a.Ints] : null;

    internal float[]? FloatList(string name) => Attribute(name, AttributeProto.Types.AttributeType.Floats) is { } a ? [.. a.Floats] : null;

    internal TensorProto? TensorAttribute(string name) => Attribute(name, AttributeProto.Types.AttributeType.Tensor)?.T;

    private AttributeProto? Attribute(string name, AttributeProto.Types.AttributeType type)
    {
        if (!_attributes.TryGetValue(name, out var a)) return null;
        // Files written before the type field existed leave it unset; trust the payload then.
        if (a.Type != type && a.Type != AttributeProto.Types.AttributeType.Undefined)
            throw Error($"attribute '{name}' must be of type {type}, got {a.Type}");
        return a;
    }

    /// <summary>An axis attribute or value checked against <paramref name="rank"/> and made non-negative.</summary>
    internal int Axis(long axis, int rank, string what = "axis")
    {
        if (axis < -rank || axis >= Math.Max(rank, 1) && !(rank == 0 && axis == 0))
            throw Error($"{what} {axis} is out of range for a tensor of rank {rank}");
        return (int)(axis < 0 ? axis + rank : axis);
    }

    /// <summary>A format error naming the node: the file says something ONNX does not allow.</summary>
    internal InvalidDataException Error(string what) => new($"onnx: node '{Label}' ({OpType}): {what}");

    /// <summary>A valid ONNX construct that Backprop does not implement.</summary>
    internal NotSupportedException Unsupported(string what) => new($"onnx: node '{Label}' ({OpType}): {what} is not supported");
}
