namespace Backprop.Tests.Ops;

/// <summary>Sort, argsort and top-k beyond the PyTorch fixture: the documented tie order, indices without gradient, misuse.</summary>
public class SortingTests
{
    [Fact]
    public void EqualValuesKeepTheirOrderAscendingAndDescending()
    {
        var x = Tensor.FromArray(new[] { 1.0, 3, 3, 2, 3 }, 5);
        // By hand: the three 3s sit at 1, 2, 4 and stay in that order either way.
        Assert.Equal([0, 3, 1, 2, 4], x.Argsort().ToArray<int>());
        Assert.Equal([1, 2, 4, 3, 0], x.Argsort(descending: true).ToArray<int>());
        Assert.Equal([1, 2], x.TopK(2).Indices.ToArray<int>());
    }

    [Fact]
    public void UnsortedTopKComesInIndexOrder()
    {
        var (values, indices) = Tensor.FromArray(new[] { 5.0, 1, 9, 7 }, 4).TopK(3, sorted: false);
        Assert.Equal([0, 2, 3], indices.ToArray<int>());
        Assert.Equal([5, 9, 7], values.ToDoubleArray());
    }

    [Fact]
    public void IndicesAreInt32WithoutGradient()
    {
        var x = Tensor.FromArray(new[] { 2.0, 1, 3 }, 3);
        x.RequiresGrad = true;
        var (values, indices) = x.Sort();
        Assert.Equal(DType.Int32, indices.DType);
        Assert.False(indices.RequiresGrad);
        Assert.True(values.RequiresGrad);
        (values * Tensor.FromArray(new[] { 10.0, 20, 30 }, 3)).Sum().Backward();
        Assert.Equal([20, 10, 30], x.Grad!.ToDoubleArray());   // x[1] is first, x[0] second, x[2] third
        Assert.False(x.Argsort().RequiresGrad);
    }

    [Fact]
    public void KOutOfRangeIsNamed()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2, 4).TopK(5));
        Assert.Contains("k = 5", e.Message);
        Assert.Contains("size 4", e.Message);
        Assert.Contains("float32 or float64", Assert.Throws<ArgumentException>(() => Tensor.FromArray(new[] { 1, 2 }, 2).Sort()).Message);
    }
}
