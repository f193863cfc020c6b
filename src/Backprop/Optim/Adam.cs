namespace Backprop.Optim;

/// <summary>
/// Adam (Kingma &amp; Ba) as PyTorch's <c>torch.optim.Adam</c>, with t the step count:
/// <code>
/// g = g + weight_decay·p                 (L2, coupled into the gradient)
/// m = β₁·m + (1 − β₁)·g
/// v = β₂·v + (1 − β₂)·g²
/// m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)  (bias correction)
/// p = p − lr·m̂ / (√v̂ + ε)
/// </code>
/// evaluated in PyTorch's order: p ← p − (lr / (1 − β₁ᵗ))·m / (√v / √(1 − β₂ᵗ) + ε).
/// </summary>
public sealed class Adam : AdamBase
{
    /// <summary>Creates the optimizer (PyTorch's defaults: lr 1e-3, β = (0.9, 0.999), ε = 1e-8).</summary>
    public Adam(IEnumerable<Tensor> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0) : base(nameof(Adam), parameters, learningRate, beta1, beta2, eps, weightDecay) { }

    /// <summary>Creates the optimizer over parameter groups; a group's unset learning rate and weight decay take these.</summary>
    public Adam(IEnumerable<ParameterGroup> groups, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0) : base(nameof(Adam), groups, learningRate, beta1, beta2, eps, weightDecay) { }

    private protected override void Update(int index, Tensor parameter, Tensor gradient) =>
        AdamUpdate.Apply(parameter, gradient, ExpAvg[index], ExpAvgSq[index], LearningRateOf(index), Beta1, Beta2, Eps, WeightDecayOf(index), StepCount);
}
