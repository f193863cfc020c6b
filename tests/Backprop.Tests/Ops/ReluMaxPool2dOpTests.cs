using Backprop.Kernels;
using Backprop.NN;
using Backprop.Ops;

namespace Backprop.Tests.Ops;

/// <summary>
/// relu_max_pool2d, the fused ReLU + max-pool that <see cref="Sequential"/> runs for a ReLU layer before a MaxPool2d
/// layer: the same output and input gradient as relu then max_pool2d, bit for bit, and a float64 gradient check.
/// </summary>
public class ReluMaxPool2dOpTests
{
    // (kernel, stride, padding) over inputs of [2, 3, 9, 34]: the vectorised 2×2 path with an odd edge, overlapping
    // windows, padding.
    public static TheoryData<int, int, int> Windows => new() { { 2, 2, 0 }, { 3, 2, 1 }, { 3, 1, 1 } };

    /// <summary>Values in {−1, 0, 1, 2} (ties, zeros, windows with no positive element) and, if asked, some NaNs.</summary>
    private static Tensor Input(DType dtype, bool nans, int seed)
    {
        var rng = new Random(seed);
        var values = new double[2 * 3 * 9 * 34];
        for (int i = 0; i < values.Length; i++) values[i] = nans && rng.Next(40) == 0 ? double.NaN : rng.Next(4) - 1 + (rng.Next(3) == 0 ? -0.5 : 0);
        var t = Tensor.FromArray(values, [2, 3, 9, 34]).To(dtype);
        t.RequiresGrad = true;
        return t;
    }

    [Theory]
    [MemberData(nameof(Windows))]
    public void OutputAndGradientAreBitIdenticalToReluThenMaxPool(int kernel, int stride, int padding)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            foreach (bool nans in new[] { false, true })
            {
                var x = Input(dtype, nans, 7);
                var upstream = Tensor.Normal([2, 3, (9 + 2 * padding - kernel) / stride + 1, (34 + 2 * padding - kernel) / stride + 1], 0, 1, new Generator(3), dtype);

                var unfused = Tensor.MaxPool2d(x.Relu(), kernel, stride, padding);
                unfused.Backward(upstream);
                var expectedGrad = x.Grad!.ToArray<double>();
                x.Grad = null;

                var fused = ReluMaxPool2dOp.Apply(x, kernel, stride, padding);
                Assert.Equal("relu_max_pool2d", fused.GradFn!.Name);
                fused.Backward(upstream);
                Assert.Equal(unfused.ToArray<double>(), fused.ToArray<double>());
                Assert.Equal(expectedGrad, x.Grad!.ToArray<double>());
            }
    }

    [Fact]
    public void TheResultDoesNotDependOnTheThreadCount()
    {
        var x = Tensor.Normal([64, 8, 28, 28], 0, 1, new Generator(5));
        x.RequiresGrad = true;
        var upstream = Tensor.Normal([64, 8, 14, 14], 0, 1, new Generator(6));
        (float[] Y, float[] G) Run(int threads)
        {
            using var limit = Parallelism.Limit(threads);
            x.Grad = null;
            var y = ReluMaxPool2dOp.Apply(x, 2, 2, 0);
            y.Backward(upstream);
            return (y.ToArray<float>(), x.Grad!.ToArray<float>());
        }
        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one.Y, two.Y);
        Assert.Equal(one.G, two.G);
    }

    [Theory]
    [MemberData(nameof(Windows))]
    public void ItsGradientAndSecondDerivativeMatchCentralDifferences(int kernel, int stride, int padding)
    {
        // Distinct values, away from 0 by more than the step, so no finite difference crosses a kink.
        var rng = new Random(11);
        var values = Enumerable.Range(0, 2 * 2 * 6 * 7).Select(i => (i * 0.037 % 1.7 - 0.8) + (rng.NextDouble() - 0.5) * 1e-3).ToArray();
        values = values.Select(v => Math.Abs(v) < 1e-3 ? v + 0.01 : v).ToArray();
        var x = Tensor.FromArray(values, [2, 2, 6, 7]);
        x.RequiresGrad = true;
        Func<Tensor[], Tensor> f = t => ReluMaxPool2dOp.Apply(t[0], kernel, stride, padding);
        Assert.True(GradCheck.Check(f, [x]).Passed);
        var second = GradGradCheck.Check(f, [x]);
        Assert.True(second.Passed && second.FirstOrderPassed, second.ToString());
    }

    [Fact]
    public void SequentialRunsAReluBeforeAMaxPoolAsTheFusedOperator()
    {
        // Not after a Conv2d, which would take the ReLU and a 2×2 pooling into its own fused operator.
        var model = new Sequential(new Tanh(), new ReLU(), new MaxPool2d(2), new Flatten());
        var x = Tensor.Normal([2, 1, 8, 8], 0, 1, new Generator(2));
        x.RequiresGrad = true;
        var y = model.Forward(x);
        Assert.Equal("reshape", y.GradFn!.Name);
        Assert.Equal("relu_max_pool2d", y.GradFn.InputArray[0].GradFn!.Name);
        // The same values as the layers one by one.
        var byLayer = model[3].Forward(model[2].Forward(model[1].Forward(model[0].Forward(x))));
        Assert.Equal(byLayer.ToArray<float>(), y.ToArray<float>());
    }
}
