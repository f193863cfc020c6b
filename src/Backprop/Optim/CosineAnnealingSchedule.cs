namespace Backprop.Optim;

/// <summary>
/// Cosine annealing (PyTorch's CosineAnnealingLR in closed form, no restarts):
/// lr(t) = min + (base − min)·(1 + cos(π·t / T)) / 2 for t ≤ T, and min after T.
/// </summary>
public sealed class CosineAnnealingSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    public CosineAnnealingSchedule(double baseLearningRate, int totalSteps, double minLearningRate = 0)
    {
        if (totalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "CosineAnnealingSchedule: the period must be positive");
        (BaseLearningRate, TotalSteps, MinLearningRate) = (baseLearningRate, totalSteps, minLearningRate);
    }

    /// <summary>The rate at t = 0.</summary>
    public double BaseLearningRate { get; }
    /// <summary>T, the step at which the rate reaches the minimum.</summary>
    public int TotalSteps { get; }
    /// <summary>The rate at and after T.</summary>
    public double MinLearningRate { get; }

    /// <inheritdoc/>
    public override double At(int step)
    {
        CheckStep(step);
        if (step >= TotalSteps) return MinLearningRate;
        return MinLearningRate + (BaseLearningRate - MinLearningRate) * (1 + Math.Cos(Math.PI * step / TotalSteps)) / 2;
    }
}
