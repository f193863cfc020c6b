namespace Backprop.Optim;

/// <summary>The same learning rate at every step.</summary>
public sealed class ConstantSchedule(double learningRate) : LearningRateSchedule
{
    /// <summary>The rate.</summary>
    public double LearningRate { get; } = learningRate;

    /// <inheritdoc/>
    public override double At(int step)
    {
        CheckStep(step);
        return LearningRate;
    }
}
