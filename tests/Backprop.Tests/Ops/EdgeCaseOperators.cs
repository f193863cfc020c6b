namespace Backprop.Tests.Ops;

/// <summary>
/// The Backprop computation for each fixture operator name — the same computation as <c>run()</c> in
/// <c>tools/fixtures/edge_gradients.py</c> does in PyTorch, with the case's parameters.
/// </summary>
public static class EdgeCaseOperators
{
    public static Func<Tensor[], Tensor> For(EdgeCase c)
    {
        double k = c.Double("c", double.NaN);
        int[]? axes = c.Ints("axes");
        bool keepDim = c.Bool("keepdim");
        return c.Op switch
        {
            "neg" => x => x[0].Neg(),
            "exp" => x => x[0].Exp(),
            "log" => x => x[0].Log(),
            "sqrt" => x => x[0].Sqrt(),
            "abs" => x => x[0].Abs(),
            "tanh" => x => x[0].Tanh(),
            "sigmoid" => x => x[0].Sigmoid(),
            "relu" => x => x[0].Relu(),
            "square" => x => x[0].Square(),
            "add" => x => x[0] + x[1],
            "sub" => x => x[0] - x[1],
            "mul" => x => x[0] * x[1],
            "div" => x => x[0] / x[1],
            "pow" => x => x[0].Pow(x[1]),
            "maximum" => x => x[0].Maximum(x[1]),
            "minimum" => x => x[0].Minimum(x[1]),
            "add_scalar" => x => x[0] + k,
            "scalar_add" => x => k + x[0],
            "sub_scalar" => x => x[0] - k,
            "scalar_sub" => x => k - x[0],
            "mul_scalar" => x => x[0] * k,
            "scalar_mul" => x => k * x[0],
            "div_scalar" => x => x[0] / k,
            "scalar_div" => x => k / x[0],
            "pow_scalar" => x => x[0].Pow(k),
            "maximum_scalar" => x => x[0].Maximum(k),
            "minimum_scalar" => x => x[0].Minimum(k),
            "clamp" => x => x[0].Clamp(c.Double("min", double.NegativeInfinity), c.Double("max", double.PositiveInfinity)),
            "where" => x => Tensor.Where(x[0], x[1], x[2]),
            "sum" => x => axes is null ? x[0].Sum() : x[0].Sum(axes, keepDim),
            "mean" => x => axes is null ? x[0].Mean() : x[0].Mean(axes, keepDim),
            "var" => x => x[0].Var(axes, c.Int("correction") ?? 1, keepDim),
            "max" => x => c.Int("axis") is int a ? x[0].Max(a, keepDim) : x[0].Max(),
            "min" => x => c.Int("axis") is int a ? x[0].Min(a, keepDim) : x[0].Min(),
            "softmax" => x => x[0].Softmax(c.Int("axis") ?? -1),
            "log_softmax" => x => x[0].LogSoftmax(c.Int("axis") ?? -1),
            "cross_entropy" => x => x[0].CrossEntropy(c.Ints("labels")!, c.Double("smoothing", 0)),
            "mse" => x => x[0].MseLoss(x[1]),
            "bce_with_logits" => x => Backprop.NN.Losses.BinaryCrossEntropyWithLogits(x[0], x[1]),
            "matmul" => x => Tensor.MatMul(x[0], x[1]),
            "linear" => x => Tensor.Linear(x[0], x[1], x.Length > 2 ? x[2] : null),
            "conv2d" => x => Tensor.Conv2d(x[0], x[1], x.Length > 2 ? x[2] : null, c.Int("stride") ?? 1, c.Int("padding") ?? 0),
            "max_pool2d" => x => Tensor.MaxPool2d(x[0], c.Int("kernel")!.Value, c.Int("stride"), c.Int("padding") ?? 0),
            "reshape" => x => x[0].Reshape(c.Ints("shape")!),
            "expand" => x => x[0].Expand(c.Ints("shape")!),
            "permute" => x => x[0].Permute(c.Ints("order")!),
            "transpose" => x => x[0].Transpose(c.Int("axis0")!.Value, c.Int("axis1")!.Value),
            "squeeze" => x => x[0].Squeeze(c.Int("axis")),
            "unsqueeze" => x => x[0].Unsqueeze(c.Int("axis")!.Value),
            "flatten" => x => x[0].Flatten(c.Int("start") ?? 0, c.Int("end") ?? -1),
            "slice" => x => x[0].Slice(c.Int("axis")!.Value, c.Int("start")!.Value, c.Int("end")!.Value, c.Int("step") ?? 1),
            "index_select" => x => x[0].IndexSelect(c.Int("axis")!.Value, c.Ints("indices")!),
            "gather" => x => x[0].Gather(c.Int("axis")!.Value, Tensor.FromArray(c.Ints("index")!, c.Ints("index_shape")!)),
            "to_float32" => x => x[0].To(DType.Float32),
            "greater" => x => x[0].Greater(x[1]),
            "argmax" => x => x[0].ArgMax(c.Int("axis")),
            "argmin" => x => x[0].ArgMin(c.Int("axis")),
            "sum_to" => x => x[0].SumTo(c.Ints("shape")!),
            "narrow" => x => x[0].Narrow(c.Int("axis")!.Value, c.Int("start")!.Value, c.Int("length")!.Value),
            "t" => x => x[0].T,
            "clone" => x => x[0].Clone(),
            "batch_norm" => x => new Backprop.NN.BatchNorm1d(x[0].Shape[1], dtype: DType.Float64).Forward(x[0]),
            "concat" => x => Tensor.Concat(x, c.Int("axis") ?? 0),
            "stack" => x => Tensor.Stack(x, c.Int("axis") ?? 0),
            _ => throw new ArgumentException($"fixture operator '{c.Op}' has no Backprop counterpart in EdgeCaseOperators"),
        };
    }
}
