namespace Backprop.Optim;

/// <summary>
/// Linear warm-up followed by another schedule (PyTorch's LinearLR then the next one, as SequentialLR chains them):
/// for t &lt; W, lr(t) = after(0)·(s + (1 − s)·t / W) with start factor s; from t = W on, lr(t) = after(t − W).
/// Warm-up then cosine: <c>new LinearWarmupSchedule(5, new CosineAnnealingSchedule(0.1, 45))</c>.
/// </summary>
public sealed class LinearWarmupSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    public LinearWarmupSchedule(int warmupSteps, LearningRateSchedule after, double startFactor = 1.0 / 3)
    {
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "LinearWarmupSchedule: warm-up steps must be non-negative");
        if (!(startFactor >= 0 && startFactor <= 1))
            throw new ArgumentOutOfRangeException(nameof(startFactor), startFactor, "LinearWarmupSchedule: the start factor must be in [0, 1]");
        (WarmupSteps, After, StartFactor) = (warmupSteps, after, startFactor);
    }

    /// <summary>W, the number of warm-up steps.</summary>
    public int WarmupSteps { get; }
    /// <summary>The schedule that follows, started at its own step 0.</summary>
    public LearningRateSchedule After { get; }
    /// <summary>The fraction of the target rate used at t = 0.</summary>
    public double StartFactor { get; }

    /// <inheritdoc/>
    public override double At(int step)
    {
        CheckStep(step);
        if (step >= WarmupSteps) return After.At(step - WarmupSteps);
        return After.At(0) * (StartFactor + (1 - StartFactor) * step / WarmupSteps);
    }
}
