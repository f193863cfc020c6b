namespace Backprop.Tests.Tensors;

/// <summary>
/// ToString prints like PyTorch's repr — nested brackets, continuation rows aligned under the first row, one number
/// format shared by all elements, long axes cut to their first and last three entries with "..." — followed by the
/// shape, dtype and graph facts. The expected strings are written out by hand from PyTorch's layout rules.
/// </summary>
public class TensorFormattingTests
{
    [Fact]
    public void MatrixOfIntegralFloats()
    {
        var t = Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 } });
        Assert.Equal("tensor([[1., 2.],\n        [3., 4.]], shape=[2, 2], dtype=float32)", t.ToString());
    }

    [Fact]
    public void FixedPointWithFourDecimalsAndSharedWidth()
    {
        var t = Tensor.FromArray(new[] { 1.5, -2.25, 3 });
        Assert.Equal("tensor([ 1.5000, -2.2500,  3.0000], shape=[3], dtype=float64)", t.ToString());
        var m = Tensor.FromArray(new float[,] { { 0.1f, 10.5f }, { -1, 2 } });
        Assert.Equal("tensor([[ 0.1000, 10.5000],\n        [-1.0000,  2.0000]], shape=[2, 2], dtype=float32)", m.ToString());
    }

    [Fact]
    public void ScientificWhenValuesAreTiny()
    {
        var t = Tensor.FromArray(new[] { 1e-5, 1 });
        Assert.Equal("tensor([1.0000e-05, 1.0000e+00], shape=[2], dtype=float64)", t.ToString());
    }

    [Fact]
    public void IntegersHaveNoDecimalPoint()
    {
        Assert.Equal("tensor([ 1,  2, 30], shape=[3], dtype=int32)", Tensor.FromArray(new[] { 1, 2, 30 }).ToString());
    }

    [Fact]
    public void ScalarsAndEmptyTensors()
    {
        Assert.Equal("tensor(2.5000, shape=[], dtype=float64)", Tensor.Scalar(2.5).ToString());
        Assert.Equal("tensor(3., shape=[], dtype=float32)", Tensor.Scalar(3f).ToString());
        Assert.Equal("tensor([], shape=[0], dtype=float32)", Tensor.Zeros(0).ToString());
    }

    [Fact]
    public void RequiresGradAndGradFnSuffixes()
    {
        var leaf = Tensor.Scalar(2.5, requiresGrad: true);
        Assert.Equal("tensor(2.5000, shape=[], dtype=float64, requires_grad=True)", leaf.ToString());
        Assert.Equal("tensor(5., shape=[], dtype=float64, grad_fn=<mul>)", (leaf * 2.0).ToString());
        var v = Tensor.Ones([2], DType.Float32, requiresGrad: true);
        Assert.Equal("tensor([2., 2.], shape=[2], dtype=float32, grad_fn=<add>)", (v + v).ToString());
        Assert.Equal("tensor(2., shape=[], dtype=float32, grad_fn=<sum>)", v.Sum().ToString());
        // Detached or computed under NoGrad: no suffix.
        Assert.Equal("tensor([1., 1.], shape=[2], dtype=float32)", v.Detach().ToString());
    }

    [Fact]
    public void ThreeDimensionalTensorsSeparateBlocksWithABlankLine()
    {
        var t = Tensor.Arange(12).Reshape(2, 2, 3);
        Assert.Equal(
            "tensor([[[ 0.,  1.,  2.],\n" +
            "         [ 3.,  4.,  5.]],\n" +
            "\n" +
            "        [[ 6.,  7.,  8.],\n" +
            "         [ 9., 10., 11.]]], shape=[2, 2, 3], dtype=float32)",
            t.ToString());
    }

    [Fact]
    public void NonContiguousViewsPrintInLogicalOrder()
    {
        var t = Tensor.FromArray(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } }).T;
        Assert.Equal("tensor([[1., 4.],\n        [2., 5.],\n        [3., 6.]], shape=[3, 2], dtype=float32)", t.ToString());
    }

    [Fact]
    public void ALongVectorIsCutWithEllipsis()
    {
        // 2000 > 1000 elements: the first and last three, and PyTorch's " ..." entry (two spaces before it).
        // (PyTorch would switch to scientific notation here because max/min > 1000; the engine keeps integral values integral.)
        var t = Tensor.Arange(2000);
        Assert.Equal("tensor([   0.,    1.,    2.,  ..., 1997., 1998., 1999.], shape=[2000], dtype=float32)", t.ToString());
    }

    [Fact]
    public void AThousandElementsArePrintedInFull()
    {
        var s = Tensor.Arange(1000, DType.Int32).ToString();
        Assert.DoesNotContain("...", s);
        Assert.Contains("998, 999], shape=[1000], dtype=int32)", s);
        Assert.Contains("...", Tensor.Arange(1001, DType.Int32).ToString());
    }

    [Fact]
    public void ALargeMatrixIsCutInBothAxes()
    {
        var t = Tensor.Arange(2000, DType.Int32).Reshape(40, 50);
        Assert.Equal(
            "tensor([[   0,    1,    2,  ...,   47,   48,   49],\n" +
            "        [  50,   51,   52,  ...,   97,   98,   99],\n" +
            "        [ 100,  101,  102,  ...,  147,  148,  149],\n" +
            "        ...,\n" +
            "        [1850, 1851, 1852,  ..., 1897, 1898, 1899],\n" +
            "        [1900, 1901, 1902,  ..., 1947, 1948, 1949],\n" +
            "        [1950, 1951, 1952,  ..., 1997, 1998, 1999]], shape=[40, 50], dtype=int32)",
            t.ToString());
    }

    [Fact]
    public void ALargeThreeDimensionalTensorCutsBlocksWithBlankLines()
    {
        var s = Tensor.Arange(1400, DType.Int32).Reshape(7, 10, 20).ToString();
        // After the third block: "...," on its own line between blank lines, aligned with the blocks.
        Assert.Contains("[ 580,  581,  582,  ...,  597,  598,  599]],\n\n        ...,\n\n        [[ 800,  801,", s);
        Assert.StartsWith("tensor([[[   0,    1,    2,  ...,   17,   18,   19],\n         [  20,", s);
        Assert.EndsWith("[1380, 1381, 1382,  ..., 1397, 1398, 1399]]], shape=[7, 10, 20], dtype=int32)", s);
    }

    [Fact]
    public void NonFiniteValues()
    {
        var s = Tensor.FromArray(new[] { 1.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity }).ToString();
        Assert.Contains("nan", s);
        Assert.Contains(" inf", s);
        Assert.Contains("-inf", s);
        Assert.EndsWith("shape=[4], dtype=float64)", s);
    }
}
