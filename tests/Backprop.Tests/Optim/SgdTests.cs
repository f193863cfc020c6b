using Backprop.Optim;

namespace Backprop.Tests.Optim;

public class SgdTests
{
    // A parameter with a fixed gradient each step, so the expected values are a short hand computation.
    private static Tensor Parameter(params double[] values)
    {
        var p = Tensor.FromArray(values, values.Length);
        p.RequiresGrad = true;
        return p;
    }

    private static void SetGrad(Tensor p, params double[] g) => p.Grad = Tensor.FromArray(g, g.Length);

    [Fact]
    public void Plain_step_is_p_minus_lr_g()
    {
        var p = Parameter(1.0, -2.0);
        var opt = new Sgd([p], 0.1);
        SetGrad(p, 0.5, 1.0);
        opt.Step();
        Assert.Equal([0.95, -2.1], p.ToDoubleArray());
    }

    [Fact]
    public void Momentum_and_weight_decay_follow_pytorch()
    {
        // PyTorch SGD: d = g + wd·p; b = d (step 1), b = μ·b + d after; p -= lr·b.  lr 0.1, μ 0.9, wd 0.01, g = 1 each step.
        var p = Parameter(1.0);
        var opt = new Sgd([p], 0.1, momentum: 0.9, weightDecay: 0.01);
        double pe = 1.0, b = 0;
        for (int step = 1; step <= 3; step++)
        {
            SetGrad(p, 1.0);
            opt.Step();
            double d = 1.0 + 0.01 * pe;
            b = step == 1 ? d : 0.9 * b + d;
            pe -= 0.1 * b;
            Assert.Equal(pe, p[0], 14);
        }
        // Written out: step 1: d = 1.01, b = 1.01, p = 1 − 0.101 = 0.899; step 2: d = 1 + 0.00899, b = 0.909 + 1.00899.
        Assert.Equal(0.899 - 0.1 * (0.9 * 1.01 + 1.00899) - 0.1 * (0.9 * (0.9 * 1.01 + 1.00899) + 1 + 0.01 * (0.899 - 0.1 * (0.9 * 1.01 + 1.00899))), p[0], 14);
    }

    [Fact]
    public void Nesterov_uses_the_look_ahead_gradient()
    {
        // d = g + μ·b: step 1: b = 2, d = 2 + 0.5·2 = 3, p = 0 − 0.1·3 = −0.3;
        // step 2 (g = 1): b = 0.5·2 + 1 = 2, d = 1 + 0.5·2 = 2, p = −0.3 − 0.2 = −0.5.
        var p = Parameter(0.0);
        var opt = new Sgd([p], 0.1, momentum: 0.5, nesterov: true);
        SetGrad(p, 2.0);
        opt.Step();
        Assert.Equal(-0.3, p[0], 14);
        SetGrad(p, 1.0);
        opt.Step();
        Assert.Equal(-0.5, p[0], 14);
    }

    [Fact]
    public void Vectorised_and_scalar_paths_agree_in_float32()
    {
        // 37 elements: the vector loop and the scalar tail both run; every element must get the same update.
        var values = Enumerable.Repeat(1.5f, 37).ToArray();
        var p = Tensor.FromArray(values, 37);
        p.RequiresGrad = true;
        var opt = new Sgd([p], 0.01, momentum: 0.9, weightDecay: 1e-4);
        for (int i = 0; i < 3; i++)
        {
            p.Grad = Tensor.Full([37], 0.25, DType.Float32);
            opt.Step();
        }
        var r = p.ToFloatArray();
        Assert.All(r, v => Assert.Equal(r[0], v));
        Assert.NotEqual(1.5f, r[0]);
    }

    [Fact]
    public void Step_skips_parameters_without_gradient_and_state_round_trips()
    {
        var a = Parameter(1.0);
        var b = Parameter(2.0);
        var opt = new Sgd([a, b], 0.1, momentum: 0.9);
        SetGrad(a, 1.0);
        opt.Step();
        Assert.Equal(2.0, b[0]);
        var state = opt.GetState().ToDictionary(e => e.Key, e => e.Value.Clone());
        Assert.Equal(["step", "lr", "param_groups.0.params", "param_groups.0.lr_scale", "param_groups.0.weight_decay", "state.0.momentum_buffer", "state.1.momentum_buffer"],
            state.Keys);

        // A fresh optimizer loaded from the state continues exactly like the original.
        var a2 = Parameter(a[0]);
        var b2 = Parameter(2.0);
        var opt2 = new Sgd([a2, b2], 0.1, momentum: 0.9);
        opt2.LoadState(state);
        Assert.Equal(1, opt2.StepCount);
        SetGrad(a, 1.0); opt.Step();
        SetGrad(a2, 1.0); opt2.Step();
        Assert.Equal(a[0], a2[0]);

        state["state.0.momentum_buffer"] = Tensor.Zeros([2], DType.Float64);
        var e = Assert.Throws<ArgumentException>(() => opt2.LoadState(state));
        Assert.Contains("state.0.momentum_buffer has shape [2]", e.Message);
    }
}
