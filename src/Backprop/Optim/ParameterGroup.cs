namespace Backprop.Optim;

/// <summary>
/// Parameters that share hyper-parameters in one optimizer (PyTorch's <c>param_groups</c>), such as the weights that
/// are decayed and the biases and normalisation weights that are not:
/// <code>
/// new AdamW([new ParameterGroup(decay) { WeightDecay = 0.1 }, new ParameterGroup(noDecay) { WeightDecay = 0 }], learningRate: 1e-3)
/// </code>
/// A setting left null takes the optimizer's (its constructor argument).
/// </summary>
public sealed class ParameterGroup
{
    /// <summary>Creates a group of <paramref name="parameters"/> (contiguous floating-point leaves, each in one group only).</summary>
    public ParameterGroup(IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = [.. parameters];
    }

    /// <summary>The group's parameters, in order.</summary>
    public IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>
    /// The group's learning rate at the start, or null for the optimizer's. A schedule scales it with the optimizer's
    /// rate: the group's rate is always <see cref="Optimizer.LearningRate"/> × (this / the optimizer's initial rate).
    /// </summary>
    public double? LearningRate { get; init; }

    /// <summary>The group's weight-decay coefficient, or null for the optimizer's.</summary>
    public double? WeightDecay { get; init; }
}
