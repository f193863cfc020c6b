namespace Backprop.Optim;

/// <summary>
/// A learning rate as a pure function of a step index t = 0, 1, 2, … (count epochs or batches, as the caller
/// chooses). Being a function of t only, a resumed run gets exactly the rates it would have had.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate for step <paramref name="step"/> (0-based).</summary>
    public abstract double At(int step);

    /// <summary>Sets <paramref name="optimizer"/>'s learning rate to <see cref="At"/>(<paramref name="step"/>) and returns it.</summary>
    public double Apply(Optimizer optimizer, int step)
    {
        double lr = At(step);
        optimizer.LearningRate = lr;
        return lr;
    }

    private protected static void CheckStep(int step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "learning rate schedule: the step must be non-negative");
    }
}
