using Backprop.Kernels;
using Backprop.NN;
using Backprop.Ops;

namespace Backprop.Tests.Ops;

/// <summary>
/// linear_relu, the Linear layer with its following ReLU in one operator (what <see cref="Sequential"/> runs for a
/// Linear layer before a ReLU layer): the numbers of linear then relu bit for bit, and a float64 gradient check.
/// </summary>
public class LinearReluTests
{
    private static Tensor R(int seed, DType dtype, params int[] shape)
    {
        var t = Tensor.Normal(shape, 0, 1, new Generator((ulong)seed), dtype);
        t.RequiresGrad = true;
        return t;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void OutputAndGradientsAreBitIdenticalToLinearThenRelu(bool bias)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = R(1, dtype, 64, 37);
            var w = R(2, dtype, 20, 37);
            var b = bias ? R(3, dtype, 20) : null;
            var upstream = Tensor.Normal([64, 20], 0, 1, new Generator(4), dtype);
            Tensor[] leaves = b is null ? [x, w] : [x, w, b];

            var unfused = Tensor.Linear(x, w, b).Relu();
            unfused.Backward(upstream);
            var expected = leaves.Select(t => t.Grad!.ToArray<double>()).ToArray();
            foreach (var t in leaves) t.Grad = null;

            var fused = LinearOp.Apply(x, w, b, relu: true);
            Assert.Equal("linear_relu", fused.GradFn!.Name);
            fused.Backward(upstream);
            Assert.Equal(unfused.ToArray<double>(), fused.ToArray<double>());
            Assert.Contains(0.0, fused.ToArray<double>()); // the ReLU really clipped something
            for (int i = 0; i < leaves.Length; i++) Assert.Equal(expected[i], leaves[i].Grad!.ToArray<double>());
        }
    }

    [Fact]
    public void ItsGradientsAndSecondDerivativesMatchCentralDifferences()
    {
        // Inputs whose outputs stay away from 0 by more than the step, so no difference crosses the kink.
        var x = R(5, DType.Float64, 4, 3);
        var w = R(6, DType.Float64, 5, 3);
        var b = R(7, DType.Float64, 5);
        using (Backprop.Autograd.NoGrad())
        {
            var y = Tensor.Linear(x, w, b).ToArray<double>();
            Assert.True(y.All(v => Math.Abs(v) > 1e-3), "test inputs too close to the ReLU's kink");
        }
        Func<Tensor[], Tensor> f = t => LinearOp.Apply(t[0], t[1], t[2], relu: true);
        Assert.True(GradCheck.Check(f, [x, w, b]).Passed);
        var second = GradGradCheck.Check(f, [x, w, b]);
        Assert.True(second.Passed && second.FirstOrderPassed, second.ToString());
    }

    [Fact]
    public void TheResultDoesNotDependOnTheThreadCount()
    {
        var x = R(8, DType.Float32, 64, 784);
        var w = R(9, DType.Float32, 256, 784);
        var b = R(10, DType.Float32, 256);
        var upstream = Tensor.Normal([64, 256], 0, 1, new Generator(11));
        float[][] Run(int threads)
        {
            using var limit = Parallelism.Limit(threads);
            x.Grad = w.Grad = b.Grad = null;
            var y = LinearOp.Apply(x, w, b, relu: true);
            y.Backward(upstream);
            return [y.ToArray<float>(), x.Grad!.ToArray<float>(), w.Grad!.ToArray<float>(), b.Grad!.ToArray<float>()];
        }
        var one = Run(1);
        var two = Run(2);
        for (int i = 0; i < one.Length; i++) Assert.Equal(one[i], two[i]);
    }

    [Fact]
    public void SequentialRunsALinearBeforeAReluAsTheFusedOperator()
    {
        var gen = new Generator(12);
        var model = new Sequential(new Linear(6, 5, gen), new ReLU(), new Linear(5, 3, gen));
        var x = Tensor.Normal([4, 6], 0, 1, new Generator(13));
        var y = model.Forward(x);
        Assert.Equal("linear", y.GradFn!.Name);
        Assert.Equal("linear_relu", y.GradFn.InputArray[0].GradFn!.Name);
        var byLayer = model[2].Forward(model[1].Forward(model[0].Forward(x)));
        Assert.Equal(byLayer.ToArray<float>(), y.ToArray<float>());
        // Under anomaly detection every layer runs on its own, so reports can name each one's operator.
        using (Backprop.Autograd.DetectAnomaly())
            Assert.Equal("relu", model.Forward(x).GradFn!.InputArray[0].GradFn!.Name);
    }
}
