namespace Backprop.NN;

/// <summary>
/// Layer normalisation over the last axis (<see cref="Tensor.LayerNorm"/>), as PyTorch's <c>nn.LayerNorm(C)</c>: a
/// weight initialised to 1 and a bias to 0, named <c>weight</c> and <c>bias</c>. GPT-style models use it without the
/// bias (<c>bias: false</c>).
/// </summary>
public sealed class LayerNorm : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    /// <param name="normalizedShape">C, the size of the last axis that is normalised.</param>
    /// <param name="eps">Added to the variance.</param>
    /// <param name="elementwiseAffine">Whether there is a learned weight (and bias); without, the output is only normalised.</param>
    /// <param name="bias">Whether there is a learned bias (only with <paramref name="elementwiseAffine"/>).</param>
    /// <param name="dtype">The parameters' dtype.</param>
    public LayerNorm(int normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true, DType dtype = DType.Float32)
    {
        if (normalizedShape <= 0)
            throw new ArgumentOutOfRangeException(nameof(normalizedShape), $"LayerNorm: the normalised axis must have a positive size, got {normalizedShape}");
        if (!(eps >= 0))
            throw new ArgumentOutOfRangeException(nameof(eps), $"LayerNorm: eps must be ≥ 0, got {eps}");
        NormalizedShape = normalizedShape;
        Eps = eps;
        if (elementwiseAffine)
        {
            Weight = RegisterParameter("weight", Tensor.Ones([normalizedShape], dtype));
            if (bias) Bias = RegisterParameter("bias", Tensor.Zeros([normalizedShape], dtype));
        }
    }

    /// <summary>C, the size of the normalised last axis.</summary>
    public int NormalizedShape { get; }

    /// <summary>The ε added to the variance.</summary>
    public double Eps { get; }

    /// <summary>The weight [C] (initially ones), or null without an element-wise affine.</summary>
    public Tensor? Weight { get; }

    /// <summary>The bias [C] (initially zeros), or null.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank == 0 || input.Shape[^1] != NormalizedShape)
            throw new ArgumentException($"LayerNorm({NormalizedShape}): expected input [..., {NormalizedShape}], got {Shapes.Format(input.ShapeArray)}");
        return Tensor.LayerNorm(input, Weight, Bias, Eps);
    }

    /// <inheritdoc/>
    public override string Describe() =>
        $"LayerNorm({NormalizedShape}{(Weight is null ? ", no affine" : Bias is null ? ", no bias" : "")})";
}
