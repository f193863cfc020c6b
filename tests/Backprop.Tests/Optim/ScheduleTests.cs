using Backprop.Optim;

namespace Backprop.Tests.Optim;

public class ScheduleTests
{
    [Fact]
    public void Step_schedule_decays_every_step_size()
    {
        var s = new StepSchedule(0.1, stepSize: 3, gamma: 0.5);
        Assert.Equal(0.1, s.At(0));
        Assert.Equal(0.1, s.At(2));
        Assert.Equal(0.05, s.At(3));
        Assert.Equal(0.025, s.At(7));
    }

    [Fact]
    public void Cosine_goes_from_base_to_min_through_the_midpoint()
    {
        var s = new CosineAnnealingSchedule(0.1, totalSteps: 10, minLearningRate: 0.01);
        Assert.Equal(0.1, s.At(0), 15);
        Assert.Equal(0.055, s.At(5), 15); // cos(π/2) = 0: halfway between 0.1 and 0.01
        Assert.Equal(0.01 + 0.09 * (1 + Math.Cos(Math.PI * 0.3)) / 2, s.At(3), 15);
        Assert.Equal(0.01, s.At(10), 15);
        Assert.Equal(0.01, s.At(25), 15);
    }

    [Fact]
    public void Warm_up_then_cosine_composes()
    {
        var s = new LinearWarmupSchedule(4, new CosineAnnealingSchedule(0.2, 8), startFactor: 0.25);
        // Hand: 0.2·(0.25 + 0.75·t/4) for t < 4, then cosine from its own step 0.
        Assert.Equal(0.05, s.At(0), 15);
        Assert.Equal(0.125, s.At(2), 15);
        Assert.Equal(0.2, s.At(4), 15);
        Assert.Equal(0.1, s.At(8), 15);
        Assert.Equal(0.0, s.At(12), 15);
        var opt = new Sgd([Tensor.Zeros([1], DType.Float32, requiresGrad: true)], 1);
        Assert.Equal(0.125, s.Apply(opt, 2), 15);
        Assert.Equal(0.125, opt.LearningRate, 15);
    }
}
