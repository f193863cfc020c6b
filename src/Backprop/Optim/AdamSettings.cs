namespace Backprop.Optim;

/// <summary>What <see cref="Adam"/> and <see cref="AdamW"/> share besides the update: validation and state names.</summary>
internal static class AdamSettings
{
    public static void Validate(string optimizer, double beta1, double beta2, double eps, double weightDecay)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, $"{optimizer}: β₁ must be in [0, 1)");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, $"{optimizer}: β₂ must be in [0, 1)");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, $"{optimizer}: ε must be non-negative");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, $"{optimizer}: weight decay must be non-negative");
    }

    public static void AddBuffers(List<KeyValuePair<string, Tensor>> state, Tensor[] expAvg, Tensor[] expAvgSq)
    {
        for (int i = 0; i < expAvg.Length; i++)
        {
            state.Add(new($"state.{i}.exp_avg", expAvg[i]));
            state.Add(new($"state.{i}.exp_avg_sq", expAvgSq[i]));
        }
    }
}
