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
public sealed class Adam : Optimizer
{
    private readonly Tensor[] _expAvg, _expAvgSq;

    /// <summary>Creates the optimizer (PyTorch's defaults: lr 1e-3, β = (0.9, 0.999), ε = 1e-8).</summary>
    public Adam(IEnumerable<Tensor> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0) : base(parameters, learningRate)
    {
        AdamSettings.Validate(nameof(Adam), beta1, beta2, eps, weightDecay);
        (Beta1, Beta2, Eps, WeightDecay) = (beta1, beta2, eps, weightDecay);
        _expAvg = BuffersLikeParameters();
        _expAvgSq = BuffersLikeParameters();
    }

    /// <summary>Decay of the first-moment average.</summary>
    public double Beta1 { get; }
    /// <summary>Decay of the second-moment average.</summary>
    public double Beta2 { get; }
    /// <summary>ε added to the denominator.</summary>
    public double Eps { get; }
    /// <summary>The L2 coefficient added to the gradient as λ·p.</summary>
    public double WeightDecay { get; }

    private protected override void Update(int index, Tensor parameter, Tensor gradient) =>
        AdamUpdate.Apply(parameter, gradient, _expAvg[index], _expAvgSq[index], LearningRate, Beta1, Beta2, Eps, WeightDecay, StepCount);

    private protected override void AddBuffers(List<KeyValuePair<string, Tensor>> state) => AdamSettings.AddBuffers(state, _expAvg, _expAvgSq);
}
