using Backprop.NN;

namespace Backprop.ExtensionTests;

/// <summary>
/// Differentiable operations defined outside the library through <see cref="Function"/>, checked as the built-in
/// operators are: a float64 gradient check against central differences, the engine's broadcast reduction, the saved
/// values' in-place check, anomaly mode, TensorScope and concurrent backward passes.
/// </summary>
public class FunctionTests
{
    private static Tensor Leaf(double[] values, params int[] shape)
    {
        var t = Tensor.FromArray(values, shape);
        t.RequiresGrad = true;
        return t;
    }

    private static Tensor Normal(int[] shape, ulong seed) => Tensor.Normal(shape, 0, 1, new Generator(seed), DType.Float64);

    [Fact]
    public void Smooth_abs_forward_is_the_formula_and_its_gradient_checks()
    {
        // Hand derivation at x = 3, β = 4: √(9 + 16) − 4 = 1, and d/dx = 3 / 5.
        var x = Leaf([3.0, -3.0], 2);
        var y = new SmoothAbs(4).Apply(x);
        Assert.Equal([1.0, 1.0], y.ToDoubleArray());
        Assert.Equal("SmoothAbs", y.GradFn!.Name);
        y.Sum().Backward();
        Assert.Equal([0.6, -0.6], x.Grad!.ToDoubleArray());

        var check = GradCheck.Check(v => new SmoothAbs(0.5).Apply(v[0]), [Normal([3, 4], 1)]);
        Assert.True(check.Passed, check.ToString());
    }

    [Fact]
    public void Two_input_function_broadcasts_and_the_engine_reduces_its_gradients()
    {
        // a [3, 4] against b [4] and against b [3, 1]: Backward returns [3, 4] gradients for both inputs.
        foreach (var bShape in new[] { new[] { 4 }, new[] { 3, 1 }, new[] { 1, 4 } })
        {
            var check = GradCheck.Check(v => new Hypot().Apply(v[0], v[1]), [Normal([3, 4], 2), Normal(bShape, 3)]);
            Assert.True(check.Passed, $"b {string.Join("×", bShape)}: {check}");
        }
        // Hand derivation: hypot(3, 4) = 5; ∂/∂a = 3/5, ∂/∂b = 4/5 summed over the two rows b was broadcast along.
        var a = Leaf([3.0, 3.0], 2, 1);
        var b = Leaf([4.0], 1);
        var h = new Hypot().Apply(a, b);
        Assert.Equal([5.0, 5.0], h.ToDoubleArray());
        h.Sum().Backward();
        Assert.All(a.Grad!.ToDoubleArray(), v => Assert.Equal(0.6, v, 15));
        Assert.Equal(1.6, b.Grad!.Item(), 15);
        Assert.Equal([1], b.Grad!.Shape.ToArray());
    }

    [Fact]
    public void Only_inputs_that_need_a_gradient_get_one()
    {
        var a = Leaf([3.0], 1);
        var constant = Tensor.FromArray([4.0], 1);
        new Hypot().Apply(a, constant).Sum().Backward();
        Assert.Equal(0.6, a.Grad!.Item(), 15);
        Assert.Null(constant.Grad);
        Assert.False(new Hypot().Apply(constant, constant).RequiresGrad); // nothing to record
        using (Autograd.NoGrad()) Assert.Null(new Hypot().Apply(a, constant).GradFn);
    }

    [Fact]
    public void Straight_through_rounding_rounds_forward_and_passes_the_gradient_unchanged()
    {
        var x = Leaf([0.4, 1.6, -2.5, 2.5], 4);
        var y = new StraightThroughRound().Apply(x);
        Assert.Equal([0.0, 2.0, -2.0, 2.0], y.ToDoubleArray()); // banker's rounding, as torch.round
        (y * Tensor.FromArray([1.0, 2.0, 3.0, 4.0], 4)).Sum().Backward();
        Assert.Equal([1.0, 2.0, 3.0, 4.0], x.Grad!.ToDoubleArray()); // d/dx taken as 1
    }

    [Fact]
    public void A_saved_tensor_modified_in_place_is_refused_at_backward()
    {
        var x = Leaf([1.0, 2.0], 2);
        var input = x * 1.0; // a non-leaf the function saves
        var y = new SmoothAbs(1).Apply(input);
        input.Fill(5); // the forward saw other values
        var e = Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
        Assert.StartsWith("SmoothAbs: a tensor [2] float64 that this operator saved for its backward pass was modified in place afterwards (by Fill)", e.Message);
    }

    [Fact]
    public void Backward_twice_needs_retain_graph_as_for_built_in_operators()
    {
        var x = Leaf([1.0], 1);
        var y = new SmoothAbs(1).Apply(x).Sum();
        y.Backward(retainGraph: true);
        y.Backward();
        Assert.Equal(2 * (1 / Math.Sqrt(2)), x.Grad!.Item(), 15);
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("a second time", e.Message);
    }

    [Fact]
    public void Wrong_gradients_from_a_backward_are_clear_errors()
    {
        var x = Leaf([1.0, 2.0], 2);
        var e = Assert.Throws<InvalidOperationException>(() => new TooFewGradients().Apply(x, x).Sum().Backward());
        Assert.Equal("TooFewGradients: Backward returned 1 gradient for 2 inputs; expected one per input (null where none is needed)", e.Message);
        e = Assert.Throws<InvalidOperationException>(() => new MisShapedGradient().Apply(x).Sum().Backward());
        Assert.Equal("MisShapedGradient: the gradient for input 0 has shape [3], but the input has shape [2]; expected the input's shape or one it broadcasts to", e.Message);
    }

    [Fact]
    public void An_identity_returning_its_input_leaves_the_input_in_place_in_the_graph()
    {
        var x = Leaf([1.0, -2.0], 2);
        var y = new Identity().Apply(x);
        Assert.NotSame(x, y);
        Assert.True(x.IsLeaf);
        (y * 3.0).Sum().Backward();
        Assert.Equal([3.0, 3.0], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void Anomaly_mode_names_the_function_for_a_bad_forward_value_and_a_bad_gradient()
    {
        using var anomaly = Autograd.DetectAnomaly();
        var e = Assert.Throws<AnomalyException>(() => new Hypot().Apply(Leaf([double.NaN], 1), Leaf([1.0], 1)));
        Assert.Contains("Hypot", e.Message);
        // hypot(0, 0) = 0 is fine forward, but its gradient 0/0 is NaN: caught in the backward, naming the function.
        var zero = Leaf([0.0], 1);
        var h = new Hypot().Apply(zero, Leaf([0.0], 1));
        e = Assert.Throws<AnomalyException>(() => h.Sum().Backward());
        Assert.Contains("Hypot", e.Message);
    }

    [Fact]
    public void Inside_a_tensor_scope_the_results_equal_those_outside()
    {
        var w = Leaf(Normal([64, 32], 4).ToDoubleArray(), 64, 32);
        var b = Leaf(Normal([32], 5).ToDoubleArray(), 32);
        double Run()
        {
            w.ZeroGrad();
            b.ZeroGrad();
            var loss = new SmoothAbs(0.1).Apply(new Hypot().Apply(w, b)).Sum();
            loss.Backward();
            return loss.Item();
        }
        double outside = Run();
        var gw = w.Grad!.ToDoubleArray();
        var gb = b.Grad!.ToDoubleArray();
        double inside;
        using (TensorScope.Begin()) inside = Run();
        Assert.Equal(outside, inside);
        Assert.Equal(gw, w.Grad!.ToDoubleArray());
        Assert.Equal(gb, b.Grad!.ToDoubleArray());
    }

    [Fact]
    public void Concurrent_backward_passes_through_one_function_instance_add_up()
    {
        // One shared parameter and one shared Function instance, used by 8 passes at once: each pass adds
        // d/dw Σ smooth_abs(w·x_t) = Σ x_t·w·x_t / √((w·x_t)² + β²), and the sum over passes is exact up to order.
        var w = Leaf([0.7, -1.3, 2.1], 3);
        var op = new SmoothAbs(0.25);
        var inputs = Enumerable.Range(0, 8).Select(t => Normal([16, 3], 10 + (ulong)t)).ToArray();
        Parallel.For(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t => op.Apply(w * inputs[t]).Sum().Backward());
        var expected = new double[3];
        var wv = w.ToDoubleArray();
        foreach (var x in inputs)
        {
            var xv = x.ToDoubleArray();
            for (int i = 0; i < xv.Length; i++)
            {
                double z = wv[i % 3] * xv[i];
                expected[i % 3] += xv[i] * z / Math.Sqrt(z * z + 0.25 * 0.25);
            }
        }
        var got = w.Grad!.ToDoubleArray();
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], got[i], 1e-12);
    }

    private sealed class TooFewGradients : Function
    {
        protected override Tensor Forward(FunctionContext ctx, ReadOnlySpan<Tensor> inputs) => inputs[0] * inputs[1];
        protected override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput) => [gradOutput];
    }

    private sealed class MisShapedGradient : Function
    {
        protected override Tensor Forward(FunctionContext ctx, ReadOnlySpan<Tensor> inputs) => inputs[0] * 2.0;
        protected override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput) => [Tensor.Zeros([3], DType.Float64)];
    }

    private sealed class Identity : Function
    {
        protected override Tensor Forward(FunctionContext ctx, ReadOnlySpan<Tensor> inputs) => inputs[0];
        protected override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput) => [gradOutput];
    }
}
