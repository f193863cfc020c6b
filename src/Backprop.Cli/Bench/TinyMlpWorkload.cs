using Backprop.NN;
using Backprop.Optim;

namespace Backprop.Cli.Bench;

/// <summary>
/// tiny_mlp: a 2-16-16-1 tanh MLP, batch 32, MSE loss, plain SGD lr 0.01 — microseconds per training step
/// (zero grad, forward, backward, step), best of 3 runs of 2,000 steps. Dominated by per-operation overhead.
/// </summary>
public static class TinyMlpWorkload
{
    private const int Steps = 2000;

    public static BenchResult Run(CancellationToken cancellation)
    {
        var gen = new Generator(0);
        var model = new Sequential(new Linear(2, 16, gen), new Tanh(), new Linear(16, 16, gen), new Tanh(), new Linear(16, 1, gen));
        var opt = new Sgd(model.Parameters(), learningRate: 0.01);
        var x = Tensor.Randn([32, 2], gen);
        var y = Tensor.Randn([32, 1], gen);
        double seconds = Timing.Best(() =>
        {
            for (int i = 0; i < Steps; i++)
            {
                opt.ZeroGrad();
                Losses.Mse(model.Forward(x), y).Backward();
                opt.Step();
            }
        }, 3, cancellation);
        return new BenchResult("tiny_mlp", seconds / Steps * 1e6, "us/step");
    }
}
