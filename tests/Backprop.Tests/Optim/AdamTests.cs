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

    [Fact]
    public void AdamW_float32_over_cores_is_the_scalar_loop_bit_for_bit_for_any_thread_count()
    {
        // A tensor of several update chunks plus a tail, three steps. The reference is the update written element by
        // element in float in PyTorch's order: p·(1 − lr·λ) (the factor rounded to float once, as p.mul_ does), then
        // m = m + (1 − β₁)(g − m) (torch.lerp for a weight below ½), v = β₂v + (1 − β₂)g², p += (−lr/(1 − β₁ᵗ))·m/(√v/√(1 − β₂ᵗ) + ε).
        int n = 2 * AdamUpdate.Chunk + 37;
        const double lr = 3e-3, wd = 0.1, b1 = 0.9, b2 = 0.99, eps = 1e-8;
        var rng = new Random(5);
        var start = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var grads = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToArray();

        float[] Run()
        {
            var p = Tensor.FromArray((float[])start.Clone(), n);
            p.RequiresGrad = true;
            var opt = new AdamW([p], lr, b1, b2, eps, wd);
            foreach (var g in grads)
            {
                p.Grad = Tensor.FromArray(g, n);
                opt.Step();
            }
            return p.ToFloatArray();
        }

        var expected = (float[])start.Clone();
        float[] m = new float[n], v = new float[n];
        for (int t = 1; t <= grads.Length; t++)
        {
            float factor = (float)(1 - lr * wd), w = (float)(1 - b1), ob2 = (float)(1 - b2), fb2 = (float)b2, e = (float)eps;
            float negStep = (float)(-lr / (1 - Math.Pow(b1, t))), bc = (float)Math.Sqrt(1 - Math.Pow(b2, t));
            for (int i = 0; i < n; i++)
            {
                float g = grads[t - 1][i];
                expected[i] *= factor;
                m[i] = m[i] + w * (g - m[i]);
                v[i] = v[i] * fb2 + ob2 * (g * g);
                expected[i] += negStep * m[i] / (MathF.Sqrt(v[i]) / bc + e);
            }
        }
        Assert.Equal(expected, Kernels.WithThreads.Run(1, Run));
        Assert.Equal(expected, Kernels.WithThreads.Run(2, Run));
    }
}
