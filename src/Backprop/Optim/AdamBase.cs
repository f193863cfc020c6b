namespace Backprop.Optim;

/// <summary>
/// What <see cref="Adam"/> and <see cref="AdamW"/> share: the moment estimates (m, v) per parameter, their decay rates,
/// ε, the weight-decay coefficient, validation, and the state names PyTorch uses (<c>state.{i}.exp_avg</c>,
/// <c>state.{i}.exp_avg_sq</c>). They differ only in how the weight decay enters the update. The learning rate and
/// the weight decay may differ between parameter groups.
/// </summary>
public abstract class AdamBase : Optimizer
{
    private protected readonly Tensor[] ExpAvg, ExpAvgSq;

    private protected AdamBase(string name, IEnumerable<Tensor> parameters, double learningRate, double beta1, double beta2,
        double eps, double weightDecay) : this(name, [new ParameterGroup(parameters ?? throw new ArgumentNullException(nameof(parameters)))],
            learningRate, beta1, beta2, eps, weightDecay) { }

    private protected AdamBase(string name, IEnumerable<ParameterGroup> groups, double learningRate, double beta1, double beta2,
        double eps, double weightDecay) : base(groups, learningRate, weightDecay)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, $"{name}: β₁ must be in [0, 1)");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, $"{name}: β₂ must be in [0, 1)");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, $"{name}: ε must be non-negative");
        (Beta1, Beta2, Eps, WeightDecay) = (beta1, beta2, eps, weightDecay);
        ExpAvg = BuffersLikeParameters();
        ExpAvgSq = BuffersLikeParameters();
    }

    /// <summary>Decay of the first-moment average.</summary>
    public double Beta1 { get; }
    /// <summary>Decay of the second-moment average.</summary>
    public double Beta2 { get; }
    /// <summary>ε added to the denominator.</summary>
    public double Eps { get; }
    /// <summary>
    /// The weight-decay coefficient given to the constructor (coupled L2 for Adam, decoupled for AdamW), which groups
    /// that set none use; see <see cref="Optimizer.GroupWeightDecay"/> for each group's.
    /// </summary>
    public double WeightDecay { get; }

    private protected override void AddBuffers(List<KeyValuePair<string, Tensor>> state)
    {
        for (int i = 0; i < ExpAvg.Length; i++)
        {
            state.Add(new($"state.{i}.exp_avg", ExpAvg[i]));
            state.Add(new($"state.{i}.exp_avg_sq", ExpAvgSq[i]));
        }
    }
}
