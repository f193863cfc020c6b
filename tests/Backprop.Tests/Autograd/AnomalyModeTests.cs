using Backprop.Data;
using Backprop.NN;
using Backprop.Optim;
using Backprop.Training;

namespace Backprop.Tests.Autograd;

/// <summary>
/// Anomaly mode: the first NaN or ±∞ of the forward or the backward pass stops with the operator, shapes, element,
/// module path and the source line that recorded the node. Off, nothing is checked or captured.
/// </summary>
public class AnomalyModeTests
{
    private static Tensor Leaf(params double[] values)
    {
        var t = Tensor.FromArray(values, values.Length);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>log of its input: NaN for negative values.</summary>
    private sealed class LogLayer : Module<Tensor, Tensor>
    {
        public override Tensor Forward(Tensor input) => input.Log();
    }

    /// <summary>A container with named children, calling them through ForwardChild.</summary>
    private sealed class Block : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> _proj, _attn;

        public Block(Generator gen)
        {
            _proj = RegisterModule("proj", new Linear(2, 2, gen, dtype: DType.Float64));
            _attn = RegisterModule("attn", new LogLayer());
        }

        public override Tensor Forward(Tensor input) => ForwardChild(_attn, ForwardChild(_proj, input));
    }

    [Fact]
    public void ForwardNaNNamesTheOperatorElementAndSourceLine()
    {
        var x = Leaf(1, -1, 2);
        using var _ = Backprop.Autograd.DetectAnomaly();
        var e = Assert.Throws<AnomalyException>(() => x.Log());
        Assert.StartsWith("anomaly: 'ln' produced NaN in the forward pass at index [1] of its output ([3] float64) from input [3] float64", e.Message);
        Assert.Contains("created at AnomalyModeTests.cs:line", e.Message);
        Assert.Equal("ln", e.Operator);
        Assert.Equal(1, e.FlatIndex);
        Assert.True(double.IsNaN(e.Value));
        Assert.False(e.InBackward);
        Assert.Null(e.ModulePath);
    }

    [Fact]
    public void BackwardInfinityNamesTheBackwardOperator()
    {
        // sqrt(0) = 0 is fine forward; its derivative 1/(2·sqrt(0)) = +∞ appears only in the backward pass.
        var x = Leaf(4, 0);
        using var _ = Backprop.Autograd.DetectAnomaly();
        var y = x.Sqrt().Sum();
        var e = Assert.Throws<AnomalyException>(() => y.Backward());
        Assert.StartsWith("anomaly: the backward of 'sqrt' produced +∞ at index [1] of the gradient for input 0 ([2] float64)", e.Message);
        Assert.Contains("created at AnomalyModeTests.cs:line", e.Message);
        Assert.True(e.InBackward);
        Assert.Equal(double.PositiveInfinity, e.Value);
        Assert.Null(x.Grad); // stopped before accumulating
    }

    [Fact]
    public void TheModulePathNamesNestedLayers()
    {
        var gen = new Generator(5);
        var model = new Sequential(new Linear(2, 2, gen, dtype: DType.Float64), new Sequential(new Tanh(), new LogLayer()));
        // tanh of a large negative pre-activation is about −1, whose log is NaN.
        var x = Tensor.FromArray(new[] { 50.0, -50, -50, 50 }, 2, 2);
        model.Parameters()[0].CopyFrom(Tensor.FromArray(new[] { 1.0, 0, 0, 1 }, 2, 2));
        using var _ = Backprop.Autograd.DetectAnomaly();
        var e = Assert.Throws<AnomalyException>(() => model.Forward(x));
        Assert.Equal("1.1", e.ModulePath);
        Assert.Contains("; module 1.1;", e.Message);
    }

    [Fact]
    public void ContainersNameTheirChildrenThroughForwardChild()
    {
        var gen = new Generator(6);
        var model = new Sequential(new Block(gen), new Block(gen));
        var block = (Block)model[0];
        foreach (var p in block.Parameters()) p.Detach().Fill(0);
        block.Parameters()[1].Detach().Fill(-1); // bias −1: proj's output is −1 everywhere, log(−1) = NaN
        using var _ = Backprop.Autograd.DetectAnomaly();
        var e = Assert.Throws<AnomalyException>(() => model.Forward(Tensor.Ones([3, 2], DType.Float64)));
        Assert.Equal("0.attn", e.ModulePath);
        Assert.Equal("ln", e.Operator);
    }

    [Fact]
    public void ANonFiniteInputFromOutsideTheGraphIsNamedAsSuch()
    {
        var w = Leaf(1, 1);
        var data = Tensor.FromArray(new[] { 1.0, double.NegativeInfinity }, 2);
        using var _ = Backprop.Autograd.DetectAnomaly();
        var e = Assert.Throws<AnomalyException>(() => w * data);
        Assert.StartsWith("anomaly: input 1 of 'mul' ([2] float64) already holds −∞ at index [1]; it comes from outside the recorded graph", e.Message);
    }

    [Fact]
    public void OffNothingIsCheckedOrCaptured()
    {
        var x = Leaf(1, -1);
        var y = x.Log();
        Assert.True(double.IsNaN(y.ToDoubleArray()[1])); // NaN propagates silently, as without anomaly mode
        Assert.Null(y.GradFn!.Origin);
        Assert.False(Backprop.Autograd.IsAnomalyDetectionEnabled);
    }

    [Fact]
    public void TheModeEndsWithItsScope()
    {
        using (Backprop.Autograd.DetectAnomaly())
        {
            Assert.True(Backprop.Autograd.IsAnomalyDetectionEnabled);
            using (Backprop.Autograd.DetectAnomaly()) Assert.True(Backprop.Autograd.IsAnomalyDetectionEnabled);
            Assert.True(Backprop.Autograd.IsAnomalyDetectionEnabled);
        }
        Assert.False(Backprop.Autograd.IsAnomalyDetectionEnabled);
        _ = Leaf(-1).Log(); // no exception once off
    }

    [Fact]
    public void TheTrainerOptionStopsAtTheFirstNonFiniteValue()
    {
        // A learning rate of 1e30 overflows the weights after the first step; without the option this surfaces later as
        // "diverged" (see TrainerTests), with it the first ±∞/NaN stops the run inside a named layer.
        var train = Synthetic.Quadrants(320, 1);
        var model = ModelSpec.Parse("mlp:16").Build(train.SampleShape, train.NumClasses, new Generator(1));
        var trainer = Trainer.Classifier(model, new Sgd(model.Parameters(), 1e30), train, Synthetic.Quadrants(160, 2),
            new TrainerOptions { Epochs = 2, BatchSize = 32, DetectAnomaly = true });
        var e = Assert.Throws<AnomalyException>(() => trainer.Run());
        Assert.StartsWith("anomaly: ", e.Message);
        Assert.NotNull(e.ModulePath);
        Assert.False(Backprop.Autograd.IsAnomalyDetectionEnabled);
    }
}
