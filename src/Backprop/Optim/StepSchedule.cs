namespace Backprop.Optim;

/// <summary>Step decay, PyTorch's StepLR: lr(t) = base · γ^⌊t / stepSize⌋.</summary>
public sealed class StepSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    public StepSchedule(double baseLearningRate, int stepSize, double gamma = 0.1)
    {
        if (stepSize <= 0) throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "StepSchedule: the step size must be positive");
        (BaseLearningRate, StepSize, Gamma) = (baseLearningRate, stepSize, gamma);
    }

    /// <summary>The rate before the first decay.</summary>
    public double BaseLearningRate { get; }
    /// <summary>Steps between decays.</summary>
    public int StepSize { get; }
    /// <summary>The factor applied at each decay.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    public override double At(int step)
    {
        CheckStep(step);
        return BaseLearningRate * Math.Pow(Gamma, step / StepSize);
    }
}
