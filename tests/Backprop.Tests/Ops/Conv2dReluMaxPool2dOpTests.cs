using Backprop.Kernels;
using Backprop.NN;
using Backprop.Ops;

namespace Backprop.Tests.Ops;

/// <summary>
/// conv2d_relu_max_pool2d, the convolution with ReLU and 2×2 pooling in its epilogue that <see cref="Sequential"/> runs
/// for Conv2d → ReLU → MaxPool2d(2): the same output and gradients as conv2d then relu_max_pool2d, bit for bit, on the
/// epilogue's path (float32, stride 1, at least 32 taps) and on the three-step fallback, and float64 gradient checks.
/// </summary>
public class Conv2dReluMaxPool2dOpTests
{
    /// <summary>Values in {−1, 0, 1, 2}·scale (ties, zeros, windows with no positive element) and, if asked, some NaNs.</summary>
    private static Tensor Values(int[] shape, DType dtype, bool nans, int seed, double scale = 1)
    {
        var rng = new Random(seed);
        var values = new double[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < values.Length; i++) values[i] = nans && rng.Next(60) == 0 ? double.NaN : scale * (rng.Next(4) - 1 + (rng.Next(3) == 0 ? -0.5 : 0));
        var t = Tensor.FromArray(values, shape).To(dtype);
        t.RequiresGrad = true;
        return t;
    }

    // (input channels, height, width, stride, padding, bias): the shifted product's epilogue with an odd last row and
    // column, an even plane, no bias; the single-channel direct kernel's (rows of at least 16) with an odd height and
    // without bias; the fallback for a plane too narrow for the direct kernel and for a strided convolution.
    public static TheoryData<int, int, int, int, int, bool> Cases => new()
    {
        { 4, 9, 13, 1, 1, true }, { 8, 14, 14, 1, 1, true }, { 4, 10, 12, 1, 0, false }, { 1, 12, 20, 1, 1, true }, { 1, 9, 19, 1, 1, false },
        { 1, 12, 12, 1, 1, true }, { 4, 11, 11, 2, 1, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void OutputAndGradientsAreBitIdenticalToConvThenReluMaxPool(int cin, int h, int w, int stride, int padding, bool withBias)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            foreach (bool nans in new[] { false, true })
            {
                var x = Values([3, cin, h, w], dtype, nans, 7);
                // Weights of 1/4 steps keep the sums exact, so ties in the windows stay ties.
                var weight = Values([5, cin, 3, 3], dtype, nans: false, 8, scale: 0.25);
                var bias = withBias ? Values([5], dtype, nans: false, 9, scale: 0.5) : null;
                var g = new Conv2dGeometry(3, cin, h, w, 5, 3, 3, stride, stride, padding, padding);
                if (dtype == DType.Float32 && stride == 1 && Gemm.Isa == GemmIsa.Vector512 && (cin > 1 || g.OutWidth >= 16))
                    Assert.True(cin == 1 ? Conv2dSingleChannel.Handles<float>(g) : GemmShiftedConv2d.HandlesForward<float>(g),
                        "this case is meant to take an epilogue's path");
                var upstream = Tensor.Normal([3, 5, g.OutHeight / 2, g.OutWidth / 2], 0, 1, new Generator(3), dtype);
                Tensor[] leaves = withBias ? [x, weight, bias!] : [x, weight];

                var unfused = ReluMaxPool2dOp.Apply(Conv2dOp.Apply(x, weight, bias, stride, padding), 2, 2, 0);
                unfused.Backward(upstream);
                var expected = leaves.Select(l => l.Grad!.ToArray<double>()).ToArray();
                foreach (var l in leaves) l.Grad = null;

                var fused = Conv2dReluMaxPool2dOp.Apply(x, weight, bias, stride, padding);
                Assert.Equal("conv2d_relu_max_pool2d", fused.GradFn!.Name);
                fused.Backward(upstream);
                Assert.Equal(unfused.ToArray<double>(), fused.ToArray<double>());
                for (int i = 0; i < leaves.Length; i++) Assert.Equal(expected[i], leaves[i].Grad!.ToArray<double>());
            }
    }

    [Fact]
    public void OnTheWinogradPathTheGradientsComeFromThePooledOneWithTheSameBits()
    {
        // 16 channels each way: the Winograd path where AVX-512 runs, whose backward never makes the full-size gradient.
        var x = Values([3, 16, 9, 13], DType.Float32, nans: false, 17);
        var weight = Values([16, 16, 3, 3], DType.Float32, nans: false, 18, scale: 0.25);
        var bias = Values([16], DType.Float32, nans: false, 19, scale: 0.5);
        var g = new Conv2dGeometry(3, 16, 9, 13, 16, 3, 3, 1, 1, 1, 1);
        Assert.Equal(Gemm.Isa == GemmIsa.Vector512, Conv2dKernel.TakesPooledGradient<float>(g));
        var upstream = Tensor.Normal([3, 16, 4, 6], 0, 1, new Generator(4));
        Tensor[] leaves = [x, weight, bias];

        var unfused = ReluMaxPool2dOp.Apply(Conv2dOp.Apply(x, weight, bias, 1, 1), 2, 2, 0);
        unfused.Backward(upstream);
        var expected = leaves.Select(l => l.Grad!.ToArray<float>()).ToArray();
        foreach (var l in leaves) l.Grad = null;

        var fused = Conv2dReluMaxPool2dOp.Apply(x, weight, bias, 1, 1);
        fused.Backward(upstream);
        Assert.Equal(unfused.ToArray<float>(), fused.ToArray<float>());
        for (int i = 0; i < leaves.Length; i++) Assert.Equal(expected[i], leaves[i].Grad!.ToArray<float>());
    }

    [Theory]
    [InlineData(8, 14)]  // the shifted product's epilogue
    [InlineData(1, 28)]  // the single-channel direct kernel's
    public void TheResultDoesNotDependOnTheThreadCount(int cin, int size)
    {
        var x = Tensor.Normal([16, cin, size, size], 0, 1, new Generator(5));
        var weight = Tensor.Normal([16, cin, 3, 3], 0, 0.3, new Generator(6));
        var bias = Tensor.Normal([16], 0, 0.3, new Generator(7));
        x.RequiresGrad = weight.RequiresGrad = bias.RequiresGrad = true;
        var upstream = Tensor.Normal([16, 16, size / 2, size / 2], 0, 1, new Generator(8));
        float[][] Run(int threads) => Backprop.Tests.Kernels.WithThreads.Run(threads, () =>
        {
            x.Grad = weight.Grad = bias.Grad = null;
            var y = Conv2dReluMaxPool2dOp.Apply(x, weight, bias, 1, 1);
            y.Backward(upstream);
            return new[] { y.ToArray<float>(), x.Grad!.ToArray<float>(), weight.Grad!.ToArray<float>(), bias.Grad!.ToArray<float>() };
        });
        var one = Run(1);
        foreach (int threads in new[] { 2, 3 })
        {
            var other = Run(threads);
            for (int i = 0; i < one.Length; i++) Assert.Equal(one[i], other[i]);
        }
    }

    [Fact]
    public void ItsGradientsAndSecondDerivativesMatchCentralDifferences()
    {
        // Distinct values, so no finite difference moves a window's maximum or crosses ReLU's kink.
        var rng = new Random(11);
        Tensor Leaf(int[] shape, double spread)
        {
            var t = Tensor.FromArray(Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (rng.NextDouble() - 0.3) * spread).ToArray(), shape);
            t.RequiresGrad = true;
            return t;
        }
        var x = Leaf([2, 2, 6, 7], 2);
        var weight = Leaf([3, 2, 3, 3], 1);
        var bias = Leaf([3], 1);
        Func<Tensor[], Tensor> f = t => Conv2dReluMaxPool2dOp.Apply(t[0], t[1], t[2], 1, 1);
        Assert.True(GradCheck.Check(f, [x, weight, bias]).Passed);
        var second = GradGradCheck.Check(f, [x, weight, bias]);
        Assert.True(second.Passed && second.FirstOrderPassed, second.ToString());
    }

    [Fact]
    public void SequentialRunsConvReluAndA2x2MaxPoolAsTheFusedOperator()
    {
        var model = new Sequential(new Conv2d(4, 6, 3, new Generator(1), padding: 1), new ReLU(), new MaxPool2d(2),
            new Conv2d(6, 6, 3, new Generator(2), padding: 1), new ReLU(), new MaxPool2d(3, stride: 2, padding: 1), new Flatten());
        var x = Tensor.Normal([2, 4, 12, 12], 0, 1, new Generator(3));
        var y = model.Forward(x);
        var pool = y.GradFn!.InputArray[0];
        // A 3×3 pooling is not the epilogue's: conv2d, then relu_max_pool2d.
        Assert.Equal("relu_max_pool2d", pool.GradFn!.Name);
        Assert.Equal("conv2d", pool.GradFn.InputArray[0].GradFn!.Name);
        Assert.Equal("conv2d_relu_max_pool2d", pool.GradFn.InputArray[0].GradFn!.InputArray[0].GradFn!.Name);
        var byLayer = x;
        for (int i = 0; i < model.Count; i++) byLayer = model[i].Forward(byLayer);
        Assert.Equal(byLayer.ToArray<float>(), y.ToArray<float>());
    }
}
