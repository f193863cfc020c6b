using Backprop.NN;

namespace Backprop.Tests.NN;

public class DropoutTests
{
    [Fact]
    public void Training_zeroes_about_p_and_scales_survivors()
    {
        var dropout = new Dropout(0.3, new Generator(11));
        var y = dropout.Forward(Tensor.Ones([100, 100], DType.Float32)).ToFloatArray();
        int zeros = y.Count(v => v == 0);
        // Binomial(10000, 0.3): sd ≈ 46, so ±230 is five standard deviations.
        Assert.InRange(zeros, 3000 - 230, 3000 + 230);
        Assert.All(y.Where(v => v != 0), v => Assert.Equal(1 / 0.7f, v, 5));
        Assert.InRange(y.Average(), 0.95, 1.05); // inverted dropout keeps the mean
    }

    [Fact]
    public void Eval_is_identity_and_masks_are_reproducible()
    {
        var x = Tensor.Normal([4, 8], 0, 1, new Generator(12));
        var a = new Dropout(0.5, new Generator(13));
        var b = new Dropout(0.5, new Generator(13));
        Assert.Equal(a.Forward(x).ToFloatArray(), b.Forward(x).ToFloatArray());
        a.Eval();
        Assert.Same(x, a.Forward(x));
    }

    [Fact]
    public void Gradient_flows_only_through_kept_elements()
    {
        var x = Tensor.Ones([50], DType.Float64);
        x.RequiresGrad = true;
        var y = new Dropout(0.5, new Generator(14)).Forward(x);
        y.Sum().Backward();
        Assert.Equal(y.ToDoubleArray(), x.Grad!.ToDoubleArray()); // dy/dx = mask, and y = mask·1
    }
}
