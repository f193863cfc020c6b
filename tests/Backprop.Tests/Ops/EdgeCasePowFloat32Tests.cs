namespace Backprop.Tests.Ops;

/// <summary>
/// The pow rules at base 0 in float32 (the PyTorch fixture is float64). Expected by hand from PyTorch's rules:
/// ∂/∂a = b·aᵇ⁻¹ except 0 where b = 0; ∂/∂b = aᵇ·ln a except 0 where a = 0 and b ≥ 0.
/// </summary>
public class EdgeCasePowFloat32Tests
{
    [Fact]
    public void TensorExponentAtBaseZero()
    {
        var a = Tensor.FromArray(new[] { 0f, 0f, 0f, 0f, 0f }, 5);
        var b = Tensor.FromArray(new[] { 2f, 0.5f, 0f, 1f, -1f }, 5);
        a.RequiresGrad = b.RequiresGrad = true;
        var y = a.Pow(b);
        y.Backward(Tensor.OnesLike(y));
        Assert.Equal(new[] { 0f, 0f, 1f, 0f, float.PositiveInfinity }, y.ToFloatArray());
        // b = −1: ∂/∂a = −1·0⁻² = −∞ and ∂/∂b = ∞·ln 0 = −∞, as PyTorch (no rule applies: 0⁻¹ is not constant).
        Assert.Equal(new[] { 0f, float.PositiveInfinity, 0f, 1f, float.NegativeInfinity }, a.Grad!.ToFloatArray());
        Assert.Equal(new[] { 0f, 0f, 0f, 0f, float.NegativeInfinity }, b.Grad!.ToFloatArray());
    }

    [Fact]
    public void ConstantExponentZeroHasGradientZeroEverywhere()
    {
        var x = Tensor.FromArray(new[] { 0f, -0f, float.PositiveInfinity, float.NaN, 2f }, 5);
        x.RequiresGrad = true;
        x.Pow(0).Backward(Tensor.FromArray(new[] { 1f, float.PositiveInfinity, 1f, 1f, 1f }, 5));
        Assert.Equal(new float[5], x.Grad!.ToFloatArray());
    }
}
