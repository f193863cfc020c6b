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
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2)
            throw new ArgumentException($"linear: the weight must be [out, in], got {Shapes.Format(weight.ShapeArray)}");
        int inFeatures = weight.ShapeArray[1], outFeatures = weight.ShapeArray[0];
        if (input.Rank == 0 || input.ShapeArray[^1] != inFeatures)
            throw new ArgumentException($"linear: expected input [..., {inFeatures}] for the weight {Shapes.Format(weight.ShapeArray)}, got {Shapes.Format(input.ShapeArray)}");
        if (input.Rank == 2) return LinearOp.Apply(input, weight, bias);
        var shape = (int[])input.ShapeArray.Clone();
        shape[^1] = outFeatures;
        return LinearOp.Apply(input.Reshape(-1, inFeatures), weight, bias).Reshape(shape);
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
}
