using Backprop.Onnx.Protobuf;

namespace Backprop.Onnx;

/// <summary>
/// The one table from ONNX op types to Backprop: each entry maps a node to Backprop's differentiable operators, so
/// an imported graph trains like a hand-written model. The mappings live in the partial files beside this one, by
/// family (element-wise, shapes, neural-network layers, reductions); the attribute defaults and opset differences
/// (axes moving from attributes to inputs in opset 13, Softmax's axis semantics changing in 13, Clip's bounds becoming
/// inputs in 11) are handled in each mapping.
/// </summary>
internal static partial class OnnxOperators
{
    /// <summary>One op type's mapping: the node's outputs, in order (null for an optional output it does not compute).</summary>
    private delegate Tensor?[] Operator(OnnxNodeContext c);

    private static readonly Dictionary<string, Operator> Map = new(StringComparer.Ordinal)
    {
        // element-wise arithmetic (numpy broadcasting)
        ["Add"] = c => [Binary(c, (a, b) => a + b)],
        ["Sub"] = c => [Binary(c, (a, b) => a - b)],
        ["Mul"] = c => [Binary(c, (a, b) => a * b)],
        ["Div"] = c => [Binary(c, (a, b) => a / b)],
        ["Pow"] = c => [Pow(c)],
        ["Sum"] = c => [Variadic(c, (a, b) => a + b)],
        ["Mean"] = c => [Variadic(c, (a, b) => a + b) / c.InputCount],
        ["Max"] = c => [Variadic(c, (a, b) => a.Maximum(b))],
        ["Min"] = c => [Variadic(c, (a, b) => a.Minimum(b))],
        ["Neg"] = c => [Unary(c, x => -x)],
        ["Abs"] = c => [Unary(c, x => x.Abs())],
        ["Reciprocal"] = c => [1.0 / c.Input(0)],
        ["Exp"] = c => [c.Input(0).Exp()],
        ["Log"] = c => [c.Input(0).Log()],
        ["Sqrt"] = c => [c.Input(0).Sqrt()],
        ["Erf"] = c => [c.Input(0).Erf()],
        ["Sin"] = c => [c.Input(0).Sin()],
        ["Cos"] = c => [c.Input(0).Cos()],
        ["Tan"] = c => [c.Input(0).Sin() / c.Input(0).Cos()],
        ["Sinh"] = c => [(c.Input(0).Exp() - (-c.Input(0)).Exp()) * 0.5],
        ["Cosh"] = c => [(c.Input(0).Exp() + (-c.Input(0)).Exp()) * 0.5],
        ["Clip"] = c => [Clip(c)],
        ["Where"] = c => [Where(c)],
        ["Identity"] = c => [c.Input(0)],
        ["Dropout"] = c => Dropout(c),

        // activations
        ["Relu"] = c => [c.Input(0).Relu()],
        ["LeakyRelu"] = c => [LeakyRelu(c.Input(0), c.Float("alpha", 0.01f))],
        ["PRelu"] = c => [PRelu(c)],
        ["Sigmoid"] = c => [c.Input(0).Sigmoid()],
        ["HardSigmoid"] = c => [(c.Input(0) * c.Float("alpha", 0.2f) + c.Float("beta", 0.5f)).Clamp(0, 1)],
        ["HardSwish"] = c => [c.Input(0) * (c.Input(0) * (1.0 / 6) + 0.5).Clamp(0, 1)],
        ["Tanh"] = c => [c.Input(0).Tanh()],
        ["Softplus"] = c => [c.Input(0).Softplus()],
        ["Softsign"] = c => [c.Input(0) / (c.Input(0).Abs() + 1)],
        ["Elu"] = c => [Elu(c.Input(0), c.Float("alpha", 1f))],
        ["Selu"] = c => [Elu(c.Input(0), c.Float("alpha", 1.67326319217681884765625f)) * c.Float("gamma", 1.05070102214813232421875f)],
        ["Celu"] = c => [Celu(c)],
        ["ThresholdedRelu"] = c => [ThresholdedRelu(c)],
        ["Mish"] = c => [c.Input(0) * c.Input(0).Softplus().Tanh()],
        ["Shrink"] = c => [Shrink(c)],
        ["Hardmax"] = c => [Hardmax(c)],

        // comparisons and logic (bool is int32 0/1)
        ["Equal"] = c => [c.Input(0).Eq(c.Input(1))],
        ["Less"] = c => [c.Input(0).Lt(c.Input(1))],
        ["LessOrEqual"] = c => [c.Input(0).Le(c.Input(1))],
        ["Greater"] = c => [c.Input(0).Gt(c.Input(1))],
        ["GreaterOrEqual"] = c => [c.Input(0).Ge(c.Input(1))],
        ["Not"] = c => [c.Input(0).Eq(0)],
        ["And"] = c => [(c.Input(0).Ne(0).To(DType.Float32) * c.Input(1).Ne(0).To(DType.Float32)).Ne(0)],
        ["Or"] = c => [(c.Input(0).Ne(0).To(DType.Float32) + c.Input(1).Ne(0).To(DType.Float32)).Ne(0)],
        ["Xor"] = c => [c.Input(0).Ne(0).Ne(c.Input(1).Ne(0))],

        // shapes and indexing
        ["Reshape"] = c => [Reshape(c)],
        ["Flatten"] = c => [Flatten(c)],
        ["Transpose"] = c => [Transpose(c)],
        ["Concat"] = c => [Concat(c)],
        ["Split"] = c => Split(c),
        ["Slice"] = c => [Slice(c)],
        ["Squeeze"] = c => [Squeeze(c)],
        ["Unsqueeze"] = c => [Unsqueeze(c)],
        ["Gather"] = c => [Gather(c)],
        ["GatherElements"] = c => [GatherElements(c)],
        ["ScatterElements"] = c => [ScatterElements(c)],
        ["Scatter"] = c => [ScatterElements(c)],
        ["Shape"] = c => [Shape(c)],
        ["Size"] = c => [Tensor.Full([], c.Input(0).Numel, DType.Int32)],
        ["Cast"] = c => [Cast(c.Input(0), c.Int("to", 0), c)],
        ["CastLike"] = c => [c.Input(0).To(c.Input(1).DType)],
        ["Expand"] = c => [Expand(c)],
        ["Tile"] = c => [Tile(c)],
        ["Pad"] = c => [Pad(c)],
        ["ConstantOfShape"] = c => [ConstantOfShape(c)],
        ["Range"] = c => [Range(c)],
        ["Trilu"] = c => [Trilu(c)],
        ["CumSum"] = c => [CumSum(c)],
        ["TopK"] = c => TopK(c),
        ["OneHot"] = c => [OneHot(c)],
        ["EyeLike"] = c => [EyeLike(c)],
        ["DepthToSpace"] = c => [DepthToSpace(c)],
        ["SpaceToDepth"] = c => [SpaceToDepth(c)],
        ["Constant"] = c => throw c.Error("a Constant node is folded when the model loads"),

        // linear algebra and layers
        ["MatMul"] = c => [Tensor.MatMul(c.Input(0), c.Input(1))],
        ["Gemm"] = c => [Gemm(c)],
        ["Conv"] = c => [Conv(c)],
        ["ConvTranspose"] = c => [ConvTranspose(c)],
        ["MaxPool"] = c => MaxPool(c),
        ["AveragePool"] = c => [AveragePool(c)],
        ["GlobalAveragePool"] = c => [c.Input(0).Mean(SpatialAxes(c.Input(0)), keepDim: true)],
        ["GlobalMaxPool"] = c => [c.Input(0).Amax(SpatialAxes(c.Input(0)), keepDim: true)],
        ["BatchNormalization"] = c => BatchNormalization(c),
        ["InstanceNormalization"] = c => [InstanceNormalization(c)],
        ["LayerNormalization"] = c => LayerNormalization(c),
        ["MeanVarianceNormalization"] = c => [MeanVarianceNormalization(c)],
        ["Softmax"] = c => [Softmax(c, log: false)],
        ["LogSoftmax"] = c => [Softmax(c, log: true)],
        ["SoftmaxCrossEntropyLoss"] = c => SoftmaxCrossEntropyLoss(c),
        ["NegativeLogLikelihoodLoss"] = c => [NegativeLogLikelihoodLoss(c, c.Input(0))],

        // reductions
        ["ReduceSum"] = c => [Reduce(c, (x, axes, keep) => x.Sum(axes, keep), axesAsInput: c.Opset >= 13)],
        ["ReduceMean"] = c => [Reduce(c, (x, axes, keep) => x.Mean(axes, keep))],
        ["ReduceMax"] = c => [Reduce(c, (x, axes, keep) => x.Amax(axes, keep))],
        ["ReduceMin"] = c => [Reduce(c, (x, axes, keep) => x.Amin(axes, keep))],
        ["ReduceProd"] = c => [Reduce(c, Product)],
        ["ReduceSumSquare"] = c => [Reduce(c, (x, axes, keep) => (x * x).Sum(axes, keep))],
        ["ReduceL1"] = c => [Reduce(c, (x, axes, keep) => x.Abs().Sum(axes, keep))],
        ["ReduceL2"] = c => [Reduce(c, (x, axes, keep) => (x * x).Sum(axes, keep).Sqrt())],
        ["ReduceLogSum"] = c => [Reduce(c, (x, axes, keep) => x.Sum(axes, keep).Log())],
        ["ReduceLogSumExp"] = c => [Reduce(c, LogSumExp)],
        ["ArgMax"] = c => [ArgExtreme(c, max: true)],
        ["ArgMin"] = c => [ArgExtreme(c, max: false)],
    };

    internal static bool IsSupported(string opType) => Map.ContainsKey(opType);

    /// <summary>Whether an op type of <paramref name="domain"/> is mapped: the default domain, or ONNX's training domain's optimizers.</summary>
    internal static bool IsSupported(string domain, string opType) =>
        domain is "" or "ai.onnx" ? Map.ContainsKey(opType) : domain == TrainingDomain && TrainingMap.ContainsKey(opType);

    /// <summary>Every op type the importer maps, sorted.</summary>
    internal static IReadOnlyList<string> SupportedOpTypes { get; } = [.. Map.Keys.Order(StringComparer.Ordinal)];

    internal static Tensor?[] Run(OnnxNodeContext c) => (c.Node.Domain == TrainingDomain ? TrainingMap : Map)[c.OpType](c);

    /// <summary>The tensor a Constant node holds, from whichever of its value attributes is set.</summary>
    internal static TensorProto ConstantProto(OnnxNodeContext c)
    {
        if (c.TensorAttribute("value") is { } value) return value;
        if (c.HasAttribute("value_float")) return Scalar(TensorProto.Types.DataType.Float, p => p.FloatData.Add(c.Float("value_float", 0)));
        if (c.HasAttribute("value_int")) return Scalar(TensorProto.Types.DataType.Int64, p => p.Int64Data.Add(c.Int("value_int", 0)));
        if (c.FloatList("value_floats") is { } floats)
        {
            var p = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float };
            p.Dims.Add(floats.Length);
            p.FloatData.AddRange(floats);
            return p;
        }
        if (c.IntList("value_ints") is { } ints)
        {
            var p = new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64 };
            p.Dims.Add(ints.Length);
            p.Int64Data.AddRange(ints);
            return p;
        }
        throw c.Unsupported("a Constant without a value, value_float(s) or value_int(s) attribute (sparse and string constants)");

        static TensorProto Scalar(TensorProto.Types.DataType type, Action<TensorProto> fill)
        {
            var p = new TensorProto { DataType = (int)type };
            fill(p);
            return p;
        }
    }
}
