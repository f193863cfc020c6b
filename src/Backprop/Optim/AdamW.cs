using System.Numerics.Tensors;

namespace Backprop.Optim;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter) as PyTorch's <c>torch.optim.AdamW</c>: the weight decay is decoupled from the gradient,
/// <code>
/// p = p·(1 − lr·weight_decay)
/// m = β₁·m + (1 − β₁)·g,  v = β₂·v + (1 − β₂)·g²
/// p = p − lr·(m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
/// </code>
/// (evaluated in PyTorch's order, as <see cref="Adam"/>).
/// </summary>
public sealed class AdamW : AdamBase
{
    /// <summary>Creates the optimizer (PyTorch's defaults: lr 1e-3, β = (0.9, 0.999), ε = 1e-8, weight decay 0.01).</summary>
    public AdamW(IEnumerable<Tensor> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0.01) : base(nameof(AdamW), parameters, learningRate, beta1, beta2, eps, weightDecay) { }

    /// <summary>
    /// Creates the optimizer over parameter groups (such as decayed weights and undecayed biases and norms); a group's
    /// unset learning rate and weight decay take these.
    /// </summary>
    public AdamW(IEnumerable<ParameterGroup> groups, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0.01) : base(nameof(AdamW), groups, learningRate, beta1, beta2, eps, weightDecay) { }

    private protected override void Update(int index, Tensor parameter, Tensor gradient)
    {
        double lr = LearningRateOf(index), decay = WeightDecayOf(index);
        // The decay p·(1 − lr·λ) runs in the update's pass instead of a pass of its own over the parameter.
        AdamUpdate.Apply(parameter, gradient, ExpAvg[index], ExpAvgSq[index], lr, Beta1, Beta2, Eps, l2: 0, StepCount,
            decayFactor: decay != 0 ? 1 - lr * decay : 1);
    }
}
