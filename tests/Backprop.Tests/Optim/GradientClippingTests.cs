using Backprop.Optim;

namespace Backprop.Tests.Optim;

public class GradientClippingTests
{
    [Fact]
    public void Clips_to_max_norm_and_returns_the_original_norm()
    {
        var a = Tensor.Zeros([2], DType.Float64, requiresGrad: true);
        var b = Tensor.Zeros([1], DType.Float64, requiresGrad: true);
        var c = Tensor.Zeros([1], DType.Float64, requiresGrad: true); // no gradient: skipped
        a.Grad = Tensor.FromArray([3.0, 0.0], 2);
        b.Grad = Tensor.FromArray([4.0], 1);
        double norm = GradientClipping.ClipByGlobalNorm([a, b, c], 1.0);
        Assert.Equal(5.0, norm, 14); // √(3² + 4²)
        double scale = 1.0 / (5.0 + 1e-6);
        Assert.Equal(3 * scale, a.Grad[0], 14);
        Assert.Equal(4 * scale, b.Grad[0], 14);
    }

    [Fact]
    public void Leaves_small_gradients_alone()
    {
        var a = Tensor.Zeros([2], DType.Float32, requiresGrad: true);
        a.Grad = Tensor.FromArray([0.3f, 0.4f], 2);
        Assert.Equal(0.5, GradientClipping.ClipByGlobalNorm([a], 1.0), 6);
        Assert.Equal([0.3f, 0.4f], a.Grad.ToFloatArray());
    }
}
