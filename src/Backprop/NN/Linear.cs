
namespace Backprop.NN;

/// <summary>
/// Fully connected layer y = x·Wᵀ + b with weight [out, in] and bias [out], initialised as PyTorch does:
/// both U(−1/√in, 1/√in). Inputs of rank above 2 are treated as a batch of rows over all but the last axis.
/// </summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer, drawing its initial values from <paramref name="generator"/> (<see cref="Generator.Default"/> when null).</summary>
    public Linear(int inFeatures, int outFeatures, Generator? generator = null, bool bias = true, DType dtype = DType.Float32)
    {
        generator ??= Generator.Default;
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentOutOfRangeException(nameof(inFeatures), $"Linear: feature counts must be positive, got {inFeatures} → {outFeatures}");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", Init.FanInUniform(Tensor.Zeros([outFeatures, inFeatures], dtype), inFeatures, generator));
        if (bias)
            Bias = RegisterParameter("bias", Init.FanInUniform(Tensor.Zeros([outFeatures], dtype), inFeatures, generator));
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }
    /// <summary>Output features.</summary>
    public int OutFeatures { get; }
    /// <summary>The weight [out, in].</summary>
    public Tensor Weight { get; }
    /// <summary>The bias [out], or null.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Forward(input, relu: false);

    /// <summary>The layer, followed by ReLU in the same operator when <paramref name="relu"/> (see <see cref="Sequential.ForwardLayer"/>).</summary>
    internal Tensor Forward(Tensor input, bool relu)
    {
        if (input.Rank == 0 || input.Shape[^1] != InFeatures)
            throw new ArgumentException($"Linear({InFeatures} → {OutFeatures}): expected input [..., {InFeatures}], got {Shapes.Format(input.ShapeArray)}");
        if (!relu) return Tensor.Linear(input, Weight, Bias);
        // The fused operator takes plain [batch, in] rows; other ranks and vmap's batched tensors take the two steps.
        if (input.Rank == 2 && input.Batched is null && Weight.Batched is null && Bias?.Batched is null)
            return Ops.LinearOp.Apply(input, Weight, Bias, relu: true);
        return Tensor.Linear(input, Weight, Bias).Relu();
    }

    /// <inheritdoc/>
    public override string Describe() => $"Linear({InFeatures} → {OutFeatures}{(Bias is null ? ", no bias" : "")})";
}
