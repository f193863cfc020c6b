using Backprop.Kernels;
using Backprop.Ops;

namespace Backprop.Tests.Ops;

/// <summary>
/// linear_gelu, a layer with its following exact GELU in one operator (<see cref="Tensor.LinearGelu"/>, a GPT's c_fc):
/// the numbers of linear then gelu bit for bit (forward and every gradient), float64 gradient and second-derivative
/// checks, and the same result for any thread count.
/// </summary>
public class LinearGeluTests
{
    private static Tensor R(int seed, DType dtype, params int[] shape)
    {
        var t = Tensor.Normal(shape, 0, 1, new Generator((ulong)seed), dtype);
        t.RequiresGrad = true;
        return t;
    }

    // Shapes: a small one whose rows end in a vector tail (37 inputs, 21 outputs: 21 is no multiple of 16 or 8), a
    // rank-3 input, and one of more than ElementwiseKernel.Chunk outputs, so the value-and-slope pass is split over cores.
    public static TheoryData<bool, int[], int> Cases() => new()
    {
        { true, [64, 37], 21 },
        { false, [64, 37], 21 },
        { false, [3, 5, 37], 21 },
        { true, [96, 40], 700 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void OutputAndGradientsAreBitIdenticalToLinearThenGelu(bool bias, int[] inputShape, int outFeatures)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = R(1, dtype, inputShape);
            var w = R(2, dtype, outFeatures, inputShape[^1]);
            var b = bias ? R(3, dtype, outFeatures) : null;
            var outShape = (int[])inputShape.Clone();
            outShape[^1] = outFeatures;
            var upstream = Tensor.Normal(outShape, 0, 1, new Generator(4), dtype);
            Tensor[] leaves = b is null ? [x, w] : [x, w, b];

            var unfused = Tensor.Linear(x, w, b).Gelu();
            unfused.Backward(upstream);
            var expected = leaves.Select(t => t.Grad!.ToArray<double>()).ToArray();
            foreach (var t in leaves) t.Grad = null;

            var fused = Tensor.LinearGelu(x, w, b);
            Assert.Equal(outShape, fused.Shape.ToArray());
            var op = inputShape.Length == 2 ? fused.GradFn! : fused.GradFn!.InputArray[0].GradFn!;
            Assert.Equal("linear_gelu", op.Name);
            fused.Backward(upstream);
            Assert.Equal(unfused.ToArray<double>(), fused.ToArray<double>());
            for (int i = 0; i < leaves.Length; i++) Assert.Equal(expected[i], leaves[i].Grad!.ToArray<double>());

            // Without a graph (no slope kept) the values are the same too.
            using (Backprop.Autograd.NoGrad())
                Assert.Equal(unfused.ToArray<double>(), Tensor.LinearGelu(x, w, b).ToArray<double>());
        }
    }

    [Fact]
    public void TheValueAndSlopePassIsTheGeluAndItsLocalGradientInEveryLane()
    {
        // Values across erf's two branches (|x/√2| below and above 1), its clamp at 4, far tails and signed zeros,
        // at lengths that leave every kind of tail; against the forward map and the local gradient of g = 1.
        float[] pool = [0f, -0f, 0.3f, -0.7f, 1.2f, -1.5f, 2.9f, -3.3f, 5.5f, -6.1f, 9f, -12f, 1e-20f, -40f, 40f];
        foreach (int n in new[] { 1, 7, 16, 31, 100, ElementwiseKernel.Chunk + 45 })
        {
            var x = Enumerable.Range(0, n).Select(i => pool[i % pool.Length] * (1 + i % 3 * 0.01f)).ToArray();
            var y = (float[])x.Clone();
            var slope = new float[n];
            ElementwiseKernel.MapWithSlope(new GeluFunction(), y.AsSpan(), slope.AsSpan());
            var expectedY = new float[n];
            ElementwiseKernel.Map(new GeluFunction(), x, expectedY.AsSpan());
            var expectedSlope = new float[n];
            ElementwiseKernel.Gradient(new GeluFunction(), Enumerable.Repeat(1f, n).ToArray(), x, expectedSlope.AsSpan());
            Assert.Equal(expectedY, y);
            Assert.Equal(expectedSlope, slope);
        }
    }

    [Fact]
    public void ItsGradientsAndSecondDerivativesMatchCentralDifferences()
    {
        var x = R(5, DType.Float64, 4, 3);
        var w = R(6, DType.Float64, 5, 3);
        var b = R(7, DType.Float64, 5);
        Func<Tensor[], Tensor> f = t => LinearOp.Apply(t[0], t[1], t[2], gelu: true);
        Assert.True(GradCheck.Check(f, [x, w, b]).Passed);
        var second = GradGradCheck.Check(f, [x, w, b]);
        Assert.True(second.Passed && second.FirstOrderPassed, second.ToString());
        Func<Tensor[], Tensor> rank3 = t => Tensor.LinearGelu(t[0], t[1]);
        Assert.True(GradCheck.Check(rank3, [R(8, DType.Float64, 2, 3, 3), w]).Passed);
    }

    [Fact]
    public void TheResultDoesNotDependOnTheThreadCount()
    {
        var x = R(8, DType.Float32, 96, 128);
        var w = R(9, DType.Float32, 512, 128);
        var upstream = Tensor.Normal([96, 512], 0, 1, new Generator(11));
        float[][] Run(int threads)
        {
            using var limit = Parallelism.Limit(threads);
            x.Grad = w.Grad = null;
            var y = Tensor.LinearGelu(x, w);
            y.Backward(upstream);
            return [y.ToArray<float>(), x.Grad!.ToArray<float>(), w.Grad!.ToArray<float>()];
        }
        var one = Run(1);
        var two = Run(2);
        for (int i = 0; i < one.Length; i++) Assert.Equal(one[i], two[i]);
    }

    [Fact]
    public void UnderAnomalyDetectionTheLayerAndItsGeluRunOnTheirOwn()
    {
        var x = R(12, DType.Float32, 4, 6);
        var w = R(13, DType.Float32, 5, 6);
        using (Backprop.Autograd.DetectAnomaly())
        {
            var y = Tensor.LinearGelu(x, w);
            Assert.Equal("gelu", y.GradFn!.Name);
            Assert.Equal("linear", y.GradFn.InputArray[0].GradFn!.Name);
        }
    }

    [Fact]
    public void AMismatchedWeightIsAClearError()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.LinearGelu(Tensor.Zeros([2, 3]), Tensor.Zeros([4, 5])));
        Assert.Contains("linear_gelu: expected input [..., 5]", e.Message);
    }
}
