using Backprop.Ops;

namespace Backprop.Tests.Ops;

/// <summary>Σᵢ ⟨aᵢ, bᵢ⟩ in one node (the scalar of a Hessian-vector product): value, gradients and second derivatives.</summary>
public class InnerProductOpTests
{
    private static Tensor R(int seed, params int[] shape) => Tensor.Normal(shape, 0, 1, new Generator((ulong)seed), DType.Float64);

    private static Tensor Pairs(Tensor[] t) => InnerProductOp.Apply([t[0], t[1]], [t[2], t[3]]);

    [Fact]
    public void ItIsTheSumOfTheElementwiseProducts()
    {
        Tensor[] t = [R(1, 3, 4), R(2, 5), R(3, 3, 4), R(4, 5)];
        double expected = ((t[0] * t[2]).Sum() + (t[1] * t[3]).Sum()).Item();
        Assert.Equal(expected, Pairs(t).Item(), 1e-12);
        // A transposed (non-contiguous) operand reads the same values.
        Assert.Equal((t[0].T * t[2].T).Sum().Item(), InnerProductOp.Apply([t[0].T], [t[2].T.Contiguous()]).Item(), 1e-12);
    }

    [Fact]
    public void ItsGradientsAndSecondDerivativesMatchCentralDifferences()
    {
        Tensor[] t = [R(5, 2, 3), R(6, 4), R(7, 2, 3), R(8, 4)];
        Assert.True(GradCheck.Check(Pairs, t).Passed);
        var second = GradGradCheck.Check(Pairs, t);
        Assert.True(second.Passed && second.FirstOrderPassed, second.ToString());
    }

    [Fact]
    public void OnlyPairsOfOneShapeAndDtypeAreAccepted()
    {
        Assert.True(InnerProductOp.Accepts([R(1, 3)], [R(2, 3)]));
        Assert.False(InnerProductOp.Accepts([R(1, 3)], [R(2, 1, 3)]));
        Assert.False(InnerProductOp.Accepts([R(1, 3)], [R(2, 3).To(DType.Float32)]));
        Assert.False(InnerProductOp.Accepts([], []));
    }
}
