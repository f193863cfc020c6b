using Backprop.NN;

namespace Backprop.Tests.Onnx;

/// <summary>
/// Every operator the exporter maps, each in a tiny model run by ONNX Runtime at two batch sizes other than the
/// traced one and compared with Backprop (tolerance in <see cref="OnnxRuntimeCheck"/>), and read back by Backprop's
/// own importer, which must give Backprop's result again.
/// </summary>
public class OnnxOperatorExportTests
{
    private sealed record Case(int[] Sample, Func<Lambda> Model, bool Integers = false);

    private static Tensor P(ulong seed, params int[] shape) => Tensor.Normal(shape, 0, 1, new Generator(seed));

    private static Lambda With(Func<Lambda, Tensor, Tensor> f, params (string, Tensor)[] parameters) => new(f, parameters);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["add"] = new([3, 4], () => With((m, x) => x + m.Params["p"], ("p", P(1, 4)))),
        ["sub"] = new([3, 4], () => With((m, x) => m.Params["p"] - x, ("p", P(2, 3, 4).Narrow(0, 0, 1)))),
        ["mul"] = new([3, 4], () => With((m, x) => x * m.Params["p"], ("p", P(3, 4)))),
        ["div"] = new([3, 4], () => With((m, x) => x / (m.Params["p"].Abs() + 0.5), ("p", P(4, 4)))),
        ["pow"] = new([3, 4], () => With((m, x) => (x.Abs() + 0.5).Pow(m.Params["p"]), ("p", P(5, 4)))),
        ["matmul"] = new([3, 2, 4], () => With((m, x) => Tensor.MatMul(x, m.Params["p"]), ("p", P(6, 4, 5)))),
        ["maximum"] = new([3, 4], () => With((m, x) => x.Maximum(m.Params["p"]), ("p", P(7, 4)))),
        ["minimum"] = new([3, 4], () => With((m, x) => x.Minimum(m.Params["p"]), ("p", P(8, 4)))),
        ["add scalar"] = new([3, 4], () => new(x => x + 2.5)),
        ["sub scalar"] = new([3, 4], () => new(x => x - 1.5)),
        ["scalar sub"] = new([3, 4], () => new(x => 1.5 - x)),
        ["mul scalar"] = new([3, 4], () => new(x => x * 3)),
        ["div scalar"] = new([3, 4], () => new(x => x / 4)),
        ["scalar div"] = new([3, 4], () => new(x => 4 / (x.Abs() + 1))),
        ["pow scalar"] = new([3, 4], () => new(x => x.Pow(3))),
        ["maximum scalar"] = new([3, 4], () => new(x => x.Maximum(0.1))),
        ["minimum scalar"] = new([3, 4], () => new(x => x.Minimum(0.1))),
        ["neg"] = new([3, 4], () => new(x => -x)),
        ["abs"] = new([3, 4], () => new(x => x.Abs())),
        ["exp"] = new([3, 4], () => new(x => x.Exp())),
        ["log"] = new([3, 4], () => new(x => (x.Abs() + 0.1).Log())),
        ["log1p"] = new([3, 4], () => new(x => x.Abs().Log1p())),
        ["sqrt"] = new([3, 4], () => new(x => x.Abs().Sqrt())),
        ["sin"] = new([3, 4], () => new(x => x.Sin())),
        ["cos"] = new([3, 4], () => new(x => x.Cos())),
        ["erf"] = new([3, 4], () => new(x => x.Erf())),
        ["tanh"] = new([3, 4], () => new(x => x.Tanh())),
        ["sigmoid"] = new([3, 4], () => new(x => x.Sigmoid())),
        ["relu"] = new([3, 4], () => new(x => x.Relu())),
        ["silu"] = new([3, 4], () => new(x => x.Silu())),
        ["gelu"] = new([3, 4], () => new(x => x.Gelu())),
        ["gelu tanh"] = new([3, 4], () => new(x => x.Gelu(GeluApproximation.Tanh))),
        ["softplus"] = new([3, 4], () => new(x => x.Softplus())),
        ["softplus beta threshold"] = new([3, 4], () => new(x => x.Softplus(beta: 2, threshold: 1))),
        ["clamp"] = new([3, 4], () => new(x => x.Clamp(-0.5, 0.5))),
        ["clamp min"] = new([3, 4], () => new(x => x.Clamp(min: -0.2))),
        ["softmax"] = new([3, 4, 5], () => new(x => x.Softmax())),
        ["log_softmax axis 1"] = new([3, 4, 5], () => new(x => x.LogSoftmax(1))),
        ["linear"] = new([3, 4], () => With((m, x) => Tensor.Linear(x, m.Params["w"], m.Params["b"]), ("w", P(9, 5, 4)), ("b", P(10, 5)))),
        ["linear rank 3"] = new([3, 2, 4], () => With((m, x) => Tensor.Linear(x, m.Params["w"], m.Params["b"]), ("w", P(11, 5, 4)), ("b", P(12, 5)))),
        ["conv2d"] = new([2, 3, 7, 6], () => With((m, x) => Tensor.Conv2d(x, m.Params["w"], m.Params["b"], stride: 2, padding: 1), ("w", P(13, 4, 3, 3, 3)), ("b", P(14, 4)))),
        ["conv1d"] = new([2, 3, 9], () => With((m, x) => Tensor.Conv1d(x, m.Params["w"], m.Params["b"], stride: 2, padding: 1), ("w", P(15, 4, 3, 3)), ("b", P(16, 4)))),
        ["max_pool2d"] = new([2, 3, 7, 6], () => new(x => Tensor.MaxPool2d(x, 3, 2, 1))),
        ["avg_pool2d"] = new([2, 3, 7, 6], () => new(x => Tensor.AvgPool2d(x, 3, 2, 1))),
        ["adaptive_avg_pool2d 1"] = new([2, 3, 6, 4], () => new(x => Tensor.AdaptiveAvgPool2d(x, 1))),
        ["adaptive_avg_pool2d 2"] = new([2, 3, 6, 4], () => new(x => Tensor.AdaptiveAvgPool2d(x, 2))),
        ["layer_norm"] = new([3, 2, 6], () => With((m, x) => Tensor.LayerNorm(x, m.Params["w"], m.Params["b"], 1e-5), ("w", P(17, 6)), ("b", P(18, 6)))),
        ["layer_norm no affine"] = new([3, 6], () => new(x => Tensor.LayerNorm(x, eps: 1e-3))),
        ["batch_norm eval"] = new([3, 4, 5, 5], () => BatchNormInEval(new BatchNorm2d(4), [6, 4, 5, 5])),
        ["batch_norm1d eval no affine"] = new([3, 4, 6], () => BatchNormInEval(new BatchNorm1d(4, affine: false), [6, 4, 6])),
        ["embedding"] = new([3, 5], () => With((m, x) => Tensor.Embedding(x, m.Params["w"]), ("w", P(19, 7, 4))), Integers: true),
        ["index_select"] = new([3, 5], () => new(x => x.IndexSelect(1, 4, 0, 2))),
        ["reshape"] = new([3, 4, 6], () => new(x => x.Reshape(x.Shape[0], 2, 12))),
        ["reshape batch times time"] = new([3, 4, 6], () => new(x => x.Reshape(-1, 6).Relu().Reshape(x.Shape[0], 4, 6))),
        ["flatten"] = new([3, 2, 3, 4], () => new(x => x.Flatten(1))),
        ["permute"] = new([3, 4, 5], () => new(x => x.Permute(2, 0, 1))),
        ["transpose"] = new([3, 4, 5], () => new(x => x.Transpose(1, 2))),
        ["concat"] = new([3, 4], () => With((m, x) => Tensor.Concat([x, x * 2], 1))),
        ["slice"] = new([3, 8], () => new(x => x.Slice(1, 1, 7, 2))),
        ["narrow to end"] = new([3, 8], () => new(x => x.Narrow(1, 5, 3))),
        ["split"] = new([3, 6], () => new(x => x.Split(2, 1)[1] * x.Split(2, 1)[2])),
        ["expand"] = new([3, 1, 4], () => new(x => x.Expand(x.Shape[0], 5, 4))),
        ["sum axis"] = new([3, 4, 5], () => new(x => x.Sum(1))),
        ["sum all"] = new([3, 4], () => new(x => x.Sum().Reshape(1) + x)),
        ["mean axes"] = new([3, 4, 5], () => new(x => x.Mean([1, 2], keepDim: true))),
        ["mean over the batch"] = new([3, 4], () => new(x => x - x.Mean(0, keepDim: true))),
        ["mean all"] = new([3, 4], () => new(x => x.Mean() + x)),
        ["mse_loss"] = new([3, 4], () => new(x => x.MseLoss(x.Tanh()))),
        ["l1_loss sum"] = new([3, 4], () => new(x => Losses.L1(x, x * 0.5, Reduction.Sum))),
        ["binary_cross_entropy_with_logits"] = new([3, 4], () => new(x => Losses.BinaryCrossEntropyWithLogits(x, x.Sigmoid()))),
        ["pad with a crop"] = new([3, 2, 6], () => new(x => x.Pad([-1, 2, 1, -1], 0.5))),
        ["amax"] = new([3, 4, 5], () => new(x => x.Amax(2))),
        ["max axis"] = new([3, 4, 5], () => new(x => x.Max(1, keepDim: true))),
        ["std"] = new([3, 6], () => new(x => x.Std(1, keepDim: true))),
        ["var over the batch"] = new([3, 4], () => new(x => x - x.Var(0, keepDim: true))),
        ["std all population"] = new([3, 4], () => new(x => x.Std(correction: 0) + x)),
        ["var axes 0 2"] = new([3, 4, 5], () => new(x => x.Var([0, 2]))),
        ["topk"] = new([3, 6], () => new(x => x.TopK(3).Values * 2)),
        ["topk smallest axis 1"] = new([3, 6, 2], () => new(x => x.TopK(2, axis: 1, largest: false).Values)),
        ["sort"] = new([3, 5], () => new(x => x.Sort(descending: true).Values)),
        ["cumsum"] = new([3, 5], () => new(x => x.Cumsum(1))),
        ["tril"] = new([3, 4, 4], () => new(x => x.Tril())),
        ["triu"] = new([3, 4, 4], () => new(x => x.Triu(1))),
        ["where"] = new([3, 4, 4], () => new(x => Tensor.Where(Tensor.Ones(4, 4).Tril(), x, x * -1))),
        ["masked_fill"] = new([3, 4, 4], () => new(x => x.MaskedFill(Tensor.Ones(4, 4).Triu(1), -2.5))),
        ["pad"] = new([3, 2, 4], () => new(x => x.Pad([1, 2, 0, 1], 0.5))),
        ["cast"] = new([3, 4], () => new(x => x.To(DType.Float64).Exp().To(DType.Float32))),
        ["copy"] = new([3, 4], () => new(x => x.Clone() + 1)),
        ["detach"] = new([3, 4], () => new(x => x * x.Detach())),
        ["attention"] = new([2, 3, 5, 4], () => new(x => Tensor.ScaledDotProductAttention(x, x * 0.5, x.Tanh()))),
        ["attention causal scaled"] = new([2, 3, 5, 4], () => new(x => Tensor.ScaledDotProductAttention(x, x * 0.5, x.Tanh(), isCausal: true, scale: 0.3))),
        ["self attention packed causal"] = new([2, 5, 12], () => new(x => Tensor.SelfAttention(x, 2, isCausal: true))),
        ["self attention packed scaled"] = new([2, 3, 6, 18], () => new(x => Tensor.SelfAttention(x.Tanh(), 3, scale: 0.4))),
        ["attention with mask"] = new([2, 5, 4], () => new(x => Tensor.ScaledDotProductAttention(x, x, x, Tensor.Ones(5, 5).Tril()))),
        ["eq"] = new([3, 4], () => new(x => x.Eq(x.Relu()).To(DType.Float32) * x)),
        ["ne"] = new([3, 4], () => new(x => x.Ne(x.Relu()).To(DType.Float32) + x)),
        // Against relu(x), which equals x wherever x ≥ 0: each comparison differs from its strict or non-strict twin.
        ["lt"] = new([3, 4], () => new(x => x.Lt(x.Relu()).To(DType.Float32) - x)),
        ["le"] = new([3, 4], () => With((m, x) => x.Le(m.Params["p"]).To(DType.Float32) * x + x.Relu().Le(x).To(DType.Float32), ("p", P(20, 4)))),
        ["gt"] = new([3, 4], () => new(x => Tensor.Where(x.Relu().Gt(x), x, x * 3))),
        ["gt scalar"] = new([3, 4], () => new(x => Tensor.Where(x.Gt(-0.25), x, x * 3))),
        ["ge"] = new([3, 4], () => new(x => x.MaskedFill(x.Ge(x.Relu()), 0.5))),
        ["compare mixed dtypes"] = new([3, 4], () => new(x => x.Lt(x.To(DType.Float64) * 0.5).To(DType.Float32) + x)),
        ["compare integers"] = new([3, 5], () => new(x => x.Eq(x.Narrow(1, 0, 1)).To(DType.Float32)), Integers: true),
        ["gather by a comparison"] = new([3, 5], () => new(x => x.Gather(1, x.Gt(0)))),
        ["gather by topk indices"] = new([3, 6], () => new(x => x.Gather(1, x.TopK(2).Indices) * 2)),
        ["gather by sort indices axis 1"] = new([3, 4, 2], () => new(x => x.Gather(1, x.Sort(axis: 1).Indices.Narrow(1, 0, 3)))),
        ["argmax"] = new([3, 5], () => new(x => x.Gather(1, x.ArgMax(1, keepDim: true)))),
        ["argmin"] = new([3, 4, 5], () => new(x => x.ArgMin(2).To(DType.Float32))),
        ["scatter_add"] = new([3, 5], () => new(x => x.ScatterAdd(1, x.Gt(0), x * 2))),
        ["scatter_add src cut to the index"] = new([3, 5], () => new(x => x.ScatterAdd(1, x.Narrow(1, 0, 3).Gt(0), x.Tanh()))),
        ["one_hot"] = new([3, 5], () => new(x => x.OneHot(7).To(DType.Float32) * 2), Integers: true),
    };

    // Operators whose index or labels come in as a second, int32 input: logits or data [batch, ...Float] with
    // indices [batch, ...Index] in [0, Range).
    private sealed record IndexedCase(int[] Float, int[] Index, int Range, Func<Lambda2> Model);

    private static readonly Dictionary<string, IndexedCase> IndexedCases = new()
    {
        ["cross_entropy mean"] = new([5], [], 5, () => new((x, y) => x.CrossEntropy(y))),
        ["cross_entropy sum"] = new([5], [], 5, () => new((x, y) => x.CrossEntropy(y, reduction: Reduction.Sum))),
        ["cross_entropy none"] = new([5], [], 5, () => new((x, y) => x.CrossEntropy(y, reduction: Reduction.None))),
        ["cross_entropy weights ignore_index"] = new([5], [], 5, () => new((m, x, y) => x.CrossEntropy(y, ignoreIndex: 2, weight: m.Params["w"].Abs() + 0.1), ("w", P(30, 5)))),
        ["cross_entropy of a linear layer"] = new([4], [], 6, () => new((m, x, y) => Tensor.Linear(x, m.Params["w"]).CrossEntropy(y), ("w", P(31, 6, 4)))),
        ["cross_entropy rank 3 none"] = new([4, 6], [4], 6, () => new((x, y) => x.CrossEntropy(y, reduction: Reduction.None, ignoreIndex: 0))),
        ["cross_entropy rank 3 mean"] = new([4, 6], [4], 6, () => new((x, y) => x.CrossEntropy(y))),
        ["cross_entropy smoothing"] = new([5], [], 5, () => new((x, y) => x.CrossEntropy(y, labelSmoothing: 0.1))),
        ["cross_entropy smoothing weights ignore_index"] = new([5], [], 5, () => new((m, x, y) =>
            x.CrossEntropy(y, labelSmoothing: 0.2, ignoreIndex: 1, weight: m.Params["w"].Abs() + 0.1), ("w", P(32, 5)))),
        ["cross_entropy smoothing rank 3 sum"] = new([3, 4], [3], 4, () => new((x, y) => x.CrossEntropy(y, labelSmoothing: 0.3, reduction: Reduction.Sum, ignoreIndex: 3))),
        ["cross_entropy smoothing none"] = new([5], [], 5, () => new((x, y) => x.CrossEntropy(y, labelSmoothing: 0.1, reduction: Reduction.None))),
        ["gather input index"] = new([5], [3], 5, () => new((x, i) => x.Gather(1, i))),
        ["gather axis 2"] = new([3, 6], [3, 2], 6, () => new((x, i) => x.Tanh().Gather(2, i))),
        ["scatter_add input index"] = new([5], [3], 5, () => new((x, i) => x.ScatterAdd(1, i, x.Narrow(1, 0, 3).Exp()))),
        ["scatter_add into a parameter"] = new([5], [5], 4, () => new((m, x, i) => (x.Narrow(1, 0, 4) * 0.5 + m.Params["p"]).ScatterAdd(1, i, x), ("p", P(33, 1, 4)))),
        ["embedding of an input"] = new([5], [3], 5, () => new((m, x, i) => Tensor.Embedding(i, m.Params["w"]).Sum(2) + x.Narrow(1, 0, 3), ("w", P(34, 5, 2)))),
    };

    public static TheoryData<string> IndexedNames() => [.. IndexedCases.Keys];

    [Theory]
    [MemberData(nameof(IndexedNames))]
    public void IndexedOperatorAgreesWithOnnxRuntime(string name)
    {
        var c = IndexedCases[name];
        int calls = 0;
        (Tensor, Tensor) Inputs(int batch)
        {
            ulong seed = (ulong)(2000 + calls++);
            var x = Tensor.Normal([batch, .. c.Float], 0, 1, new Generator(seed));
            int count = batch * c.Index.Aggregate(1, (a, b) => a * b);
            var g = new Generator(seed + 500);
            var index = Tensor.FromArray(Enumerable.Range(0, count).Select(_ => (int)(g.NextDouble() * c.Range)).ToArray(), [batch, .. c.Index]);
            return (x, index);
        }
        OnnxRuntimeCheck.ExportAndCompare(c.Model(), Inputs, 3, [1, 6], name, roundTrip: true);
    }

    public static TheoryData<string> Names() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void OperatorAgreesWithOnnxRuntime(string name)
    {
        var c = Cases[name];
        var model = c.Model();
        int calls = 0;
        Tensor Input(int batch)
        {
            int[] shape = [batch, .. c.Sample[1..]];
            ulong seed = (ulong)(1000 + calls++);
            if (!c.Integers) return Tensor.Normal(shape, 0, 1, new Generator(seed));
            return OnnxExportTests.Tokens(batch, shape[1], 7, (int)seed);
        }
        OnnxRuntimeCheck.ExportAndCompare(model, Input, c.Sample[0], [1, c.Sample[0] + 3], name, roundTrip: true);
    }

    [Fact]
    public void EveryMappedOperatorHasACase()
    {
        // The operators the cases record, by their Backprop names: the exporter's table must not grow untested.
        var seen = new HashSet<string>();
        foreach (var c in Cases.Values)
        {
            var model = c.Model().Eval();
            var x = c.Integers ? OnnxExportTests.Tokens(2, c.Sample[1], 7, 1) : Tensor.Normal([2, .. c.Sample[1..]], 0, 1, new Generator(1));
            using (Tracing.Begin()) Collect(((Lambda)model).Forward(x), seen);
        }
        foreach (var c in IndexedCases.Values)
        {
            var model = c.Model().Eval();
            var x = Tensor.Normal([2, .. c.Float], 0, 1, new Generator(1));
            var index = Tensor.Zeros([2, .. c.Index], DType.Int32);
            using (Tracing.Begin()) Collect(((Lambda2)model).Forward(x, index), seen);
        }
        string[] mapped = ["add", "sub", "mul", "div", "pow", "matmul", "max", "min", "neg", "abs", "exp", "ln", "log1p", "sqrt", "sin", "cos",
            "erf", "tanh", "sigmoid", "relu", "silu", "gelu", "softplus", "clamp", "softmax", "log_softmax", "linear", "conv2d", "conv1d",
            "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "layer_norm", "embedding", "index_select", "reshape", "permute", "concat",
            "slice", "expand", "sum", "amax", "std", "cumsum", "tril", "triu", "where", "masked_fill", "pad", "to", "copy", "detach",
            "scaled_dot_product_attention", "self_attention", "batch_norm", "topk", "sort", "topk_indices", "sort_indices", "argmax", "argmin", "gather", "scatter_add",
            "eq", "ne", "lt", "le", "gt", "ge", "one_hot", "cross_entropy", "mean", "var"];
        Assert.Empty(mapped.Except(seen));
    }

    private static void Collect(Tensor t, HashSet<string> seen)
    {
        var visited = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Tensor>([t]);
        while (stack.Count > 0)
        {
            var node = stack.Pop().GradFn;
            if (node is null || !visited.Add(node)) continue;
            seen.Add(node.Name);
            foreach (var input in node.Inputs) stack.Push(input);
            // An index, mask or labels are read by the node without being its inputs: their operators count too.
            foreach (var extra in Backprop.Onnx.GraphWriter.Extras(node)) stack.Push(extra);
        }
    }

    // A batch norm whose running statistics a few training passes moved away from 0 and 1.
    private static Lambda BatchNormInEval(BatchNorm norm, int[] trainingShape)
    {
        for (int i = 0; i < 3; i++) norm.Forward(Tensor.Normal(trainingShape, 1, 3, new Generator((ulong)(40 + i))));
        var model = new Lambda((m, x) => ((BatchNorm)m.Children[0].Value).Forward(x));
        model.AddChild("norm", norm);
        return model;
    }
}
