using Backprop.NN;

namespace Backprop.Tests.NN;

/// <summary>The Conv1d, AvgPool2d and AdaptiveAvgPool2d modules: PyTorch's names and initialisation bounds, and that they run their functions.</summary>
public class PoolingAndConv1dLayerTests
{
    [Fact]
    public void Conv1dHasPyTorchsNamesShapesAndInitBounds()
    {
        var layer = new Conv1d(3, 5, 4, new Generator(2), stride: 2, padding: 1);
        Assert.Equal(["weight", "bias"], layer.StateDict().Select(e => e.Key));
        Assert.Equal([5, 3, 4], layer.Weight.Shape.ToArray());
        Assert.Equal([5], layer.Bias!.Shape.ToArray());
        double bound = 1 / Math.Sqrt(3 * 4);   // fan_in = in·k
        Assert.All(layer.Weight.ToDoubleArray().Concat(layer.Bias.ToDoubleArray()), v => Assert.InRange(v, -bound, bound));
        // 60 weights from U(−b, b): some beyond half the bound, so the bound is the right one and not a smaller one.
        Assert.Contains(layer.Weight.ToDoubleArray(), v => Math.Abs(v) > bound / 2);
        var x = Tensor.Normal([2, 3, 9], 0, 1, new Generator(3));
        var y = layer.Forward(x);
        Assert.Equal([2, 5, 4], y.Shape.ToArray());   // (9 + 2 − 4) / 2 + 1
        Assert.Equal(Tensor.Conv1d(x, layer.Weight, layer.Bias, 2, 1).ToFloatArray(), y.ToFloatArray());
        Assert.Single(new Conv1d(3, 5, 4, new Generator(2), bias: false).StateDict());
    }

    [Fact]
    public void Conv1dMisuseIsNamed()
    {
        var w = Tensor.Zeros(4, 3, 3);
        Assert.Contains("expects 3", Assert.Throws<ArgumentException>(() => Tensor.Conv1d(Tensor.Zeros(1, 2, 8), w)).Message);
        Assert.Contains("[batch, channels, length]", Assert.Throws<ArgumentException>(() => Tensor.Conv1d(Tensor.Zeros(1, 3, 8, 1), w)).Message);
        Assert.Contains("longer than the padded input", Assert.Throws<ArgumentException>(() => Tensor.Conv1d(Tensor.Zeros(1, 3, 2), w)).Message);
    }

    [Fact]
    public void PoolingModulesRunTheirFunctions()
    {
        var x = Tensor.Normal([2, 3, 7, 6], 0, 1, new Generator(4));
        Assert.Equal(Tensor.AvgPool2d(x, 3, 2, 1).ToFloatArray(), new AvgPool2d(3, 2, 1).Forward(x).ToFloatArray());
        Assert.Equal([2, 3, 3, 3], new AvgPool2d(2).Forward(x).Shape.ToArray());
        var global = new AdaptiveAvgPool2d(1).Forward(x);
        Assert.Equal([2, 3, 1, 1], global.Shape.ToArray());
        Assert.Equal(x.Mean([2, 3]).ToFloatArray(), global.Reshape(2, 3).ToFloatArray().Select(v => v).ToArray(), new FloatTolerance(1e-6f));
        Assert.Equal([2, 3, 2, 4], new AdaptiveAvgPool2d(2, 4).Forward(x).Shape.ToArray());
        Assert.Empty(new AvgPool2d(2).StateDict());
        Assert.Throws<ArgumentOutOfRangeException>(() => new AvgPool2d(2, padding: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveAvgPool2d(0));
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(float v) => 0;
    }
}
