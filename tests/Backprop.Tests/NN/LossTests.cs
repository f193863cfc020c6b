using Backprop.NN;

namespace Backprop.Tests.NN;

public class LossTests
{
    [Fact]
    public void Bce_with_logits_matches_the_naive_formula_and_is_stable()
    {
        var x = Tensor.FromArray([0.5, -1.0, 2.0], 3);
        var t = Tensor.FromArray([1.0, 0.0, 0.25], 3);
        static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
        // Hand: mean of −t·ln σ(x) − (1 − t)·ln(1 − σ(x)).
        double expected = new[] { (0.5, 1.0), (-1.0, 0.0), (2.0, 0.25) }
            .Average(p => -p.Item2 * Math.Log(Sigmoid(p.Item1)) - (1 - p.Item2) * Math.Log(1 - Sigmoid(p.Item1)));
        Assert.Equal(expected, Losses.BinaryCrossEntropyWithLogits(x, t).Item(), 12);
        // Where the naive formula overflows (σ(−800) = 0, ln 0 = −∞) the stable form gives the exact 800.
        var big = Losses.BinaryCrossEntropyWithLogits(Tensor.FromArray([-800.0], 1), Tensor.FromArray([1.0], 1));
        Assert.Equal(800, big.Item(), 9);
    }

    [Fact]
    public void Bce_gradient_is_sigmoid_minus_target_over_n()
    {
        var x = Tensor.FromArray([0.3, -2.0], 2);
        x.RequiresGrad = true;
        Losses.BinaryCrossEntropyWithLogits(x, Tensor.FromArray([1.0, 0.0], 2)).Backward();
        Assert.Equal((1 / (1 + Math.Exp(-0.3)) - 1) / 2, x.Grad![0], 12);
        Assert.Equal(1 / (1 + Math.Exp(2.0)) / 2, x.Grad![1], 12);
    }

    [Fact]
    public void Cross_entropy_and_mse_wrap_the_fused_ops()
    {
        var logits = Tensor.FromArray([0.0, 0.0, 0.0, 0.0], 2, 2);
        Assert.Equal(Math.Log(2), Losses.CrossEntropy(logits, [0, 1]).Item(), 12);
        Assert.Equal(2.5, Losses.Mse(Tensor.FromArray([1.0, 2.0], 2), Tensor.FromArray([0.0, 4.0], 2)).Item(), 12);
    }
}
