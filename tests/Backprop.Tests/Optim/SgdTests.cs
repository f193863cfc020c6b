using Backprop.Optim;
using Backprop.Tests.Kernels;

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

    /// <summary>Parameters of several step pieces (16,384 elements each) with a ragged end, float32, and a short one.</summary>
    private static (Tensor[] Parameters, float[][] Gradients) ManyPieces(int seed)
    {
        var rng = new Random(seed);
        int[] sizes = [40_000, 16_384, 7];
        var ps = sizes.Select(n => { var t = Tensor.FromArray(Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray(), n); t.RequiresGrad = true; return t; }).ToArray();
        var gs = sizes.Select(n => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray()).ToArray();
        return (ps, gs);
    }

    [Fact]
    public void The_fused_step_over_all_parameters_is_the_per_element_formula_exactly()
    {
        // The update of each element written out in float, in the order the step evaluates it: the pieces and the
        // vector loop must give exactly these numbers (no piece boundary, tail or thread may change a bit).
        var (ps, gs) = ManyPieces(1);
        var expected = ps.Select(p => p.ToArray<float>()).ToArray();
        var buffers = gs.Select(g => new float[g.Length]).ToArray();
        var opt = new Sgd(ps, 0.05, momentum: 0.9, weightDecay: 0.01);
        float lr = 0.05f, mu = 0.9f, wd = 0.01f, keep = 1f;
        for (int step = 0; step < 3; step++)
        {
            for (int k = 0; k < ps.Length; k++)
            {
                var g = gs[k].Select(v => v * (step + 1)).ToArray();
                ps[k].Grad = Tensor.FromArray(g, g.Length);
                for (int i = 0; i < g.Length; i++)
                {
                    float d = g[i] + wd * expected[k][i];
                    float b = step == 0 ? d : mu * buffers[k][i] + keep * d;
                    buffers[k][i] = b;
                    expected[k][i] -= lr * b;
                }
            }
            WithThreads.Run(2, () => { opt.Step(); return 0; });
            for (int k = 0; k < ps.Length; k++) Assert.Equal(expected[k], ps[k].ToArray<float>());
        }
    }

    [Fact]
    public void The_step_is_bit_identical_for_any_thread_count_and_allocates_nothing()
    {
        float[][] Run(int threads)
        {
            var (ps, gs) = ManyPieces(2);
            var opt = new Sgd(ps, 0.1, momentum: 0.9, nesterov: true);
            for (int k = 0; k < ps.Length; k++) ps[k].Grad = Tensor.FromArray(gs[k], gs[k].Length);
            using var limit = Backprop.Kernels.Parallelism.Limit(threads);
            opt.Step();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int step = 0; step < 3; step++) opt.Step();
            if (threads == 1) Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            return ps.Select(p => p.ToArray<float>()).ToArray();
        }
        var one = Run(1);
        var two = Run(2);
        for (int k = 0; k < one.Length; k++) Assert.Equal(one[k], two[k]);
    }

    [Fact]
    public void A_parameter_without_a_gradient_is_left_alone_in_the_fused_step()
    {
        var (ps, gs) = ManyPieces(3);
        var opt = new Sgd(ps, 0.1, momentum: 0.9);
        var before = ps[1].ToArray<float>();
        var initial = ps[0].ToArray<float>();
        ps[0].Grad = Tensor.FromArray(gs[0], gs[0].Length);
        ps[2].Grad = Tensor.FromArray(gs[2], gs[2].Length);
        opt.Step();
        Assert.Equal(before, ps[1].ToArray<float>());
        Assert.NotEqual(initial, ps[0].ToArray<float>());
        // A step whose check fails half-way leaves no gradient behind for the next step.
        ps[1].Grad = Tensor.FromArray(new float[5], 5);
        Assert.Throws<InvalidOperationException>(() => opt.Step());
        ps[0].Grad = null;
        ps[1].Grad = null;
        var first = ps[0].ToArray<float>();
        opt.Step();
        Assert.Equal(first, ps[0].ToArray<float>());
    }

    [Fact]
    public void ZeroGrad_clears_every_gradient_and_leaves_a_missing_one_missing()
    {
        // One parameter of several pieces (16,384 elements each), a small one, one without a gradient, one whose
        // gradient is a transposed view (cleared on its own), in float32 and float64.
        var gen = new Generator(3);
        var big = Tensor.Randn([201, 200], gen, DType.Float32);
        var small = Tensor.Randn([5], gen, DType.Float64);
        var none = Tensor.Randn([3], gen, DType.Float32);
        var viewed = Tensor.Randn([4, 6], gen, DType.Float32);
        foreach (var p in new[] { big, small, none, viewed }) p.RequiresGrad = true;
        big.Grad = Tensor.Randn([201, 200], gen, DType.Float32);
        small.Grad = Tensor.Randn([5], gen, DType.Float64);
        viewed.Grad = Tensor.Randn([6, 4], gen, DType.Float32).Transpose(0, 1);
        var bigBuffer = big.Grad;
        var opt = new Sgd([big, small, none, viewed], 0.1);
        using (Backprop.Kernels.Parallelism.Limit(2)) opt.ZeroGrad();
        Assert.Same(bigBuffer, big.Grad); // the buffers are kept
        Assert.All(big.Grad!.ToFloatArray(), v => Assert.Equal(0f, v));
        Assert.All(small.Grad!.ToDoubleArray(), v => Assert.Equal(0.0, v));
        Assert.All(viewed.Grad!.ToFloatArray(), v => Assert.Equal(0f, v));
        Assert.Null(none.Grad);
    }
}
