using Backprop.Ops;

namespace Backprop;

// The fused operators behind the layers, as functions: modules call exactly these, and so can a user's own model.
public sealed partial class Tensor
{
    /// <summary>
    /// The fully connected layer y = x·Wᵀ + b in one fused operator: <paramref name="input"/> [..., in],
    /// <paramref name="weight"/> [out, in], <paramref name="bias"/> [out] or null; the result is [..., out].
    /// </summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        CheckLinear("linear", input, weight);
        if (input.Batched is not null || weight.Batched is not null || bias?.Batched is not null) return BatchingRules.Linear(input, weight, bias);
        return LinearRows(input, weight, bias, gelu: false);
    }

    /// <summary>
    /// The fully connected layer followed by the exact GELU, <c>Linear(input, weight, bias).Gelu()</c>, in one fused
    /// operator (linear_gelu; a transformer's first MLP layer): the same numbers bit for bit, without a separate GELU
    /// output, and with a backward that only multiplies by the slope the forward kept. Under anomaly detection or a
    /// trace, which name each operator, and under vmap, the two run on their own.
    /// </summary>
    public static Tensor LinearGelu(Tensor input, Tensor weight, Tensor? bias = null)
    {
        CheckLinear("linear_gelu", input, weight);
        if (input.Batched is not null || weight.Batched is not null || bias?.Batched is not null || AnomalyDetection.TracksModules)
            return Linear(input, weight, bias).Gelu();
        return LinearRows(input, weight, bias, gelu: true);
    }

    private static void CheckLinear(string op, Tensor input, Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2)
            throw new ArgumentException($"{op}: the weight must be [out, in], got {Shapes.Format(weight.ShapeArray)}");
        int inFeatures = weight.ShapeArray[1];
        if (input.Rank == 0 || input.ShapeArray[^1] != inFeatures)
            throw new ArgumentException($"{op}: expected input [..., {inFeatures}] for the weight {Shapes.Format(weight.ShapeArray)}, got {Shapes.Format(input.ShapeArray)}");
    }

    // The fused operator on [rows, in]; other ranks are viewed as rows of their last axis and back.
    private static Tensor LinearRows(Tensor input, Tensor weight, Tensor? bias, bool gelu)
    {
        if (input.Rank == 2) return LinearOp.Apply(input, weight, bias, gelu: gelu);
        int inFeatures = weight.ShapeArray[1];
        var shape = (int[])input.ShapeArray.Clone();
        shape[^1] = weight.ShapeArray[0];
        return LinearOp.Apply(input.Reshape(-1, inFeatures), weight, bias, gelu: gelu).Reshape(shape);
    }

    /// <summary>
    /// 2-D convolution (cross-correlation) of an NCHW <paramref name="input"/> [N, Cin, H, W] with
    /// <paramref name="weight"/> [Cout, Cin, kh, kw] and an optional <paramref name="bias"/> [Cout], with a square
    /// stride and zero padding; the result is [N, Cout, H', W'].
    /// </summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        return Conv2dOp.Apply(input, weight, bias, stride, padding);
    }

    /// <summary>Max pooling of an NCHW <paramref name="input"/> over square windows; the stride defaults to the kernel size.</summary>
    public static Tensor MaxPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0)
    {
        ArgumentNullException.ThrowIfNull(input);
        return MaxPool2dOp.Apply(input, kernelSize, stride ?? kernelSize, padding);
    }
    /// <summary>
    /// 1-D convolution (cross-correlation) of <paramref name="input"/> [N, Cin, L] with <paramref name="weight"/>
    /// [Cout, Cin, k] and an optional <paramref name="bias"/> [Cout], with a stride and zero padding at both ends; the
    /// result is [N, Cout, L'] with L' = (L + 2·padding − k) / stride + 1. It runs on the 2-D convolution's kernels as
    /// a convolution of height 1 (reshapes are views, so this costs no copy).
    /// </summary>
    public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (input.Rank != 3 || weight.Rank != 3)
            throw new ArgumentException(
                $"conv1d: expected input [batch, channels, length] and weight [out, in, k], got {Shapes.Format(input.ShapeArray)} and {Shapes.Format(weight.ShapeArray)}");
        if (input.ShapeArray[1] != weight.ShapeArray[1])
            throw new ArgumentException(
                $"conv1d: the input has {input.ShapeArray[1]} channels ({Shapes.Format(input.ShapeArray)}) but the weight {Shapes.Format(weight.ShapeArray)} expects {weight.ShapeArray[1]}");
        if (stride <= 0 || padding < 0)
            throw new ArgumentOutOfRangeException(nameof(stride), $"conv1d: stride must be positive and padding non-negative, got stride {stride}, padding {padding}");
        int length = input.ShapeArray[2], k = weight.ShapeArray[2];
        if (k > length + 2L * padding)
            throw new ArgumentException($"conv1d: the kernel of {k} is longer than the padded input of {length + 2L * padding} ({Shapes.Format(input.ShapeArray)}, padding {padding})");
        var s = input.ShapeArray;
        var w = weight.ShapeArray;
        var y = Conv2dOp.Apply(input.Reshape(s[0], s[1], 1, s[2]), weight.Reshape(w[0], w[1], 1, w[2]), bias, 1, stride, 0, padding, "conv1d");
        return y.Reshape(s[0], w[0], y.ShapeArray[3]);
    }

    /// <summary>
    /// Average pooling of an NCHW <paramref name="input"/> over square windows; the stride defaults to the kernel size.
    /// Zero padding counts in the divisor (every window is divided by kernel², PyTorch's <c>count_include_pad = true</c>);
    /// the padding is at most half the kernel.
    /// </summary>
    public static Tensor AvgPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0)
    {
        ArgumentNullException.ThrowIfNull(input);
        return AvgPool2dOp.Apply(input, kernelSize, stride ?? kernelSize, padding);
    }

    /// <summary>
    /// Adaptive average pooling of an NCHW <paramref name="input"/> [N, C, H, W] to [N, C, outputHeight, outputWidth]:
    /// output row i averages input rows ⌊i·H/outputHeight⌋ up to ⌈(i+1)·H/outputHeight⌉ (exclusive), likewise columns,
    /// as PyTorch's <c>adaptive_avg_pool2d</c>.
    /// </summary>
    public static Tensor AdaptiveAvgPool2d(Tensor input, int outputHeight, int outputWidth)
    {
        ArgumentNullException.ThrowIfNull(input);
        return AdaptiveAvgPool2dOp.Apply(input, outputHeight, outputWidth);
    }

    /// <summary>Adaptive average pooling to a square <paramref name="outputSize"/>×<paramref name="outputSize"/> output.</summary>
    public static Tensor AdaptiveAvgPool2d(Tensor input, int outputSize) => AdaptiveAvgPool2d(input, outputSize, outputSize);

    /// <summary>
    /// Rows of the table <paramref name="weight"/> [rows, width] picked by <paramref name="indices"/> (int32, any shape);
    /// the result is [...indices.Shape, width]. The weight's gradient adds each picked row's gradient into its row (a
    /// token repeated adds up, in token order, for any thread count); rows not picked get zero. An index below 0 or at
    /// least <c>rows</c> throws <see cref="ArgumentOutOfRangeException"/> naming the index, its position and the table size.
    /// </summary>
    public static Tensor Embedding(Tensor indices, Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(weight);
        return EmbeddingOp.Apply(indices, weight);
    }
}
