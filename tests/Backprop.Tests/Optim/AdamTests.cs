using Backprop.Optim;

namespace Backprop.Tests.Optim;

public class AdamTests
{
    private static Tensor Parameter(double value)
    {
        var p = Tensor.FromArray([value], 1);
        p.RequiresGrad = true;
        return p;
    }

    // PyTorch Adam (torch/optim/adam.py, single-tensor path), t = step:
    //   g += wd·p;  m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²
    //   p -= (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
    private static double Reference(double p, double[] grads, double lr, double b1, double b2, double eps, double wd, bool decoupled)
    {
        double m = 0, v = 0;
        for (int t = 1; t <= grads.Length; t++)
        {
            double g = grads[t - 1];
            if (decoupled) p *= 1 - lr * wd;
            else g += wd * p;
            m = b1 * m + (1 - b1) * g;
            v = b2 * v + (1 - b2) * g * g;
            p -= lr / (1 - Math.Pow(b1, t)) * m / (Math.Sqrt(v) / Math.Sqrt(1 - Math.Pow(b2, t)) + eps);
        }
        return p;
    }

    [Fact]
    public void First_adam_step_moves_by_lr_times_sign()
    {
        // With bias correction, m̂ = g and v̂ = g² on step 1, so the step is lr·g/(|g| + ε) ≈ lr·sign(g).
        var p = Parameter(1.0);
        var opt = new Adam([p], 0.1);
        p.Grad = Tensor.FromArray([4.0], 1);
        opt.Step();
        Assert.Equal(0.9, p[0], 7);
    }

    [Fact]
    public void Adam_matches_the_formula_for_three_steps()
    {
        double[] grads = [0.5, -1.5, 2.0];
        var p = Parameter(1.0);
        var opt = new Adam([p], 0.01, 0.9, 0.999, 1e-8, weightDecay: 0.1);
        for (int t = 0; t < 3; t++)
        {
            p.Grad = Tensor.FromArray([grads[t]], 1);
            opt.Step();
            Assert.Equal(Reference(1.0, grads[..(t + 1)], 0.01, 0.9, 0.999, 1e-8, 0.1, decoupled: false), p[0], 14);
        }
    }

    [Fact]
    public void AdamW_decays_weights_decoupled_from_the_gradient()
    {
        double[] grads = [0.5, -1.5, 2.0];
        var p = Parameter(1.0);
        var opt = new AdamW([p], 0.01, weightDecay: 0.1);
        for (int t = 0; t < 3; t++)
        {
            p.Grad = Tensor.FromArray([grads[t]], 1);
            opt.Step();
        }
        Assert.Equal(Reference(1.0, grads, 0.01, 0.9, 0.999, 1e-8, 0.1, decoupled: true), p[0], 14);
        // Coupled and decoupled decay differ measurably after three steps.
        Assert.NotEqual(Reference(1.0, grads, 0.01, 0.9, 0.999, 1e-8, 0.1, decoupled: false), p[0], 6);
    }

    [Fact]
    public void Float32_vector_and_tail_elements_agree_and_state_has_pytorch_names()
    {
        var p = Tensor.Full([21], 0.5, DType.Float32);
        p.RequiresGrad = true;
        var opt = new Adam([p], 0.01);
        for (int i = 0; i < 3; i++)
        {
            p.Grad = Tensor.Full([21], 0.3, DType.Float32);
            opt.Step();
        }
        var r = p.ToFloatArray();
        Assert.All(r, v => Assert.Equal(r[0], v));
        Assert.Equal(Reference(0.5, [0.3, 0.3, 0.3], 0.01, 0.9, 0.999, 1e-8, 0, false), r[0], 5);
        Assert.Equal(["step", "lr", "param_groups.0.params", "param_groups.0.lr_scale", "param_groups.0.weight_decay", "state.0.exp_avg", "state.0.exp_avg_sq"],
            opt.GetState().Select(e => e.Key));
        Assert.Equal(3, opt.GetState()[0].Value.Item());
    }
}
