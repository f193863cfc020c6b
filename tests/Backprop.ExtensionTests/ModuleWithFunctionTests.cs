using Backprop.NN;
using Backprop.Optim;

namespace Backprop.ExtensionTests;

/// <summary>A user-defined module whose forward uses a custom <see cref="Function"/>, trained and gradient-checked.</summary>
public class ModuleWithFunctionTests
{
    /// <summary>Linear → smooth-abs → Linear, written as user code against the public API.</summary>
    private sealed class SmoothAbsMlp : Module<Tensor, Tensor>
    {
        private readonly Linear _hidden, _output;
        private readonly SmoothAbs _activation = new(0.1);

        public SmoothAbsMlp(int inputs, int hidden, Generator generator, DType dtype = DType.Float32)
        {
            _hidden = RegisterModule("hidden", new Linear(inputs, hidden, generator, dtype: dtype));
            _output = RegisterModule("output", new Linear(hidden, 1, generator, dtype: dtype));
        }

        public override Tensor Forward(Tensor x) => ForwardChild(_output, _activation.Apply(ForwardChild(_hidden, x)));
    }

    [Fact]
    public void Gradient_through_the_module_checks_against_central_differences()
    {
        var model = new SmoothAbsMlp(3, 5, new Generator(1), DType.Float64);
        var x = Tensor.Normal([4, 3], 0, 1, new Generator(2), DType.Float64);
        var check = GradCheck.Check(v => model.Forward(v[0]), [x]);
        Assert.True(check.Passed, check.ToString());
        Assert.Equal(["hidden.weight", "hidden.bias", "output.weight", "output.bias"], model.StateDict().Select(e => e.Key));
    }

    [Fact]
    public void Training_fits_absolute_value_and_every_parameter_gets_a_gradient()
    {
        // Target |x₀| − |x₁|: a smooth-abs network represents it exactly, so the loss must fall far.
        var g = new Generator(3);
        var model = new SmoothAbsMlp(2, 16, g);
        var opt = new Adam(model.Parameters(), 0.02);
        var x = Tensor.Uniform([128, 2], -2, 2, g);
        var xs = x.ToFloatArray();
        var y = Tensor.FromArray(Enumerable.Range(0, 128).Select(i => Math.Abs(xs[2 * i]) - Math.Abs(xs[2 * i + 1])).ToArray(), 128, 1);
        double first = 0, last = 0;
        for (int step = 0; step < 300; step++)
        {
            opt.ZeroGrad();
            using var scope = TensorScope.Begin();
            var loss = (model.Forward(x) - y).Square().Mean();
            loss.Backward();
            last = loss.Item();
            if (step == 0) first = last;
            scope.Dispose();
            opt.Step();
        }
        Assert.All(model.Parameters(), p => Assert.NotNull(p.Grad));
        Assert.True(last < first / 20, $"loss went from {first} to {last}");
    }

    [Fact]
    public void Anomaly_mode_stops_at_the_custom_function_that_overflowed()
    {
        // Inputs of 1e30 stay finite through the first layer (float32 reaches 3.4e38), but smooth-abs squares them.
        var model = new SmoothAbsMlp(2, 3, new Generator(4));
        var huge = Tensor.FromArray([1e30f, 1e30f], 1, 2);
        using var anomaly = Autograd.DetectAnomaly();
        var e = Assert.Throws<AnomalyException>(() => model.Forward(huge));
        Assert.Contains("SmoothAbs", e.Message);
    }
}
