namespace Backprop.Tests.Ops;

/// <summary>
/// Split, chunk, pad, scatter_add and one_hot beyond the PyTorch fixture: views, misuse and the cases PyTorch itself
/// cannot compute. Expected values are derived by hand in each test.
/// </summary>
public class IndexingOpTests
{
    private static Tensor Range(params int[] shape) => Tensor.Arange(Shapes.Numel(shape), DType.Float64).Reshape(shape);

    [Fact]
    public void SplitPiecesAreViewsOfTheInput()
    {
        var x = Range(5, 2);
        var pieces = x.Split(2);
        Assert.Equal([2, 2, 1], pieces.Select(p => p.Size(0)));
        x[4, 1] = 100;                        // written after the split: a view sees it
        Assert.Equal(100, pieces[2][0, 1]);
    }

    [Fact]
    public void GradientsOfSeveralPiecesAddUpInTheInput()
    {
        var x = Range(2, 6);
        x.RequiresGrad = true;
        var (a, b) = (x.Chunk(2, 1)[0], x.Chunk(2, 1)[1]);
        (a.Sum() * 2 + b.Sum() * 3 + x.Split([6], 1)[0].Sum()).Backward();
        // By hand: columns 0–2 get 2 + 1, columns 3–5 get 3 + 1.
        Assert.Equal([3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void SplitAndChunkMisuseIsNamed()
    {
        var x = Range(2, 5);
        Assert.Contains("add up to 4", Assert.Throws<ArgumentException>(() => x.Split([1, 3], 1)).Message);
        Assert.Contains("positive", Assert.Throws<ArgumentOutOfRangeException>(() => x.Split(0, 1)).Message);
        Assert.Contains("chunks must be positive", Assert.Throws<ArgumentOutOfRangeException>(() => x.Chunk(0)).Message);
        Assert.Contains("axis 2", Assert.Throws<ArgumentOutOfRangeException>(() => x.Split(1, 2)).Message);
    }

    [Fact]
    public void PadFillsTheValueAndCropsOnNegativePads()
    {
        var x = Range(2, 3);   // [[0, 1, 2], [3, 4, 5]]
        Assert.Equal([9, 0, 1, 2, 9, 9, 9, 3, 4, 5, 9, 9], x.Pad([1, 2], 9).ToDoubleArray());
        // (left −1, right 0, top 1, bottom −1): drop column 0 and the last row, add a row of zeros on top.
        var y = x.Pad([-1, 0, 1, -1]);
        Assert.Equal([2, 2], y.Shape.ToArray());
        Assert.Equal([0, 0, 1, 2], y.ToDoubleArray());
    }

    [Fact]
    public void PadMisuseIsNamed()
    {
        var x = Range(2, 3);
        Assert.Contains("pairs", Assert.Throws<ArgumentException>(() => x.Pad([1])).Message);
        Assert.Contains("pairs", Assert.Throws<ArgumentException>(() => x.Pad([1, 1, 1, 1, 1, 1])).Message);
        Assert.Contains("crop more than its 3", Assert.Throws<ArgumentException>(() => x.Pad([-2, -2])).Message);
    }

    [Fact]
    public void ScatterAddUsesOnlyThePartOfSourceTheIndexCovers()
    {
        // PyTorch 1.13 computes this forward but fails in its backward; by hand: src[0, 0] → x[0, 2], src[0, 1] → x[0, 0].
        var x = Tensor.Zeros([1, 3], DType.Float64, requiresGrad: true);
        var src = Tensor.FromArray(new[] { 1.0, 2, 3, 4, 5, 6 }, 2, 3);
        src.RequiresGrad = true;
        var y = x.ScatterAdd(1, Tensor.FromArray(new[] { 2, 0 }, 1, 2), src);
        Assert.Equal([2, 0, 1], y.ToDoubleArray());
        (y * Tensor.FromArray(new[] { 10.0, 20, 30 }, 1, 3)).Sum().Backward();
        Assert.Equal([10, 20, 30], x.Grad!.ToDoubleArray());
        Assert.Equal([30, 10, 0, 0, 0, 0], src.Grad!.ToDoubleArray());
    }

    [Fact]
    public void ScatterAddMisuseIsNamed()
    {
        var x = Tensor.Zeros([2, 3], DType.Float64);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => x.ScatterAdd(1, Tensor.FromArray(new[] { 0, 3 }, 1, 2), Tensor.Ones([1, 2], DType.Float64)));
        Assert.Contains("index 3 at position [0, 1]", e.Message);
        Assert.Contains("size 3", e.Message);
        Assert.Contains("int32", Assert.Throws<ArgumentException>(() => x.ScatterAdd(1, Tensor.Zeros([1, 2], DType.Float64), x)).Message);
        Assert.Contains("exceeds", Assert.Throws<ArgumentException>(() => x.ScatterAdd(0, Tensor.FromArray(new[] { 0, 0, 0, 0 }, 1, 4), Tensor.Ones([1, 4], DType.Float64))).Message);
    }

    [Fact]
    public void OneHotIsInt32AndRefusesIndicesOutOfRange()
    {
        var y = Tensor.FromArray(new[] { 2, 0 }, 2).OneHot(3);
        Assert.Equal(DType.Int32, y.DType);
        Assert.Equal([0, 0, 1, 1, 0, 0], y.ToArray<int>());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.FromArray(new[] { 0, 1, 4, 1 }, 2, 2).OneHot(4));
        Assert.Contains("index 4 at position [1, 0]", e.Message);
        Assert.Contains("4 classes", e.Message);
        Assert.Contains("index -1", Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.FromArray(new[] { -1 }, 1).OneHot()).Message);
        Assert.Contains("int32", Assert.Throws<ArgumentException>(() => Tensor.Zeros(2).OneHot(2)).Message);
    }
}
