namespace Backprop.Tests.Ops;

/// <summary>
/// Reductions against a naive reference written here: for every output index, the reduced elements are collected by
/// hand (row-major index arithmetic) and combined with LINQ. Small cases also carry hand-computed numbers.
/// </summary>
public class ReductionTests
{
    private static readonly int[] Shape = [2, 3, 4];

    // Distinct values with a known layout: x[i,j,k] = 100i + 10j + k, minus a zig-zag so that extremes are not always last.
    private static double[] Values()
    {
        var v = new double[24];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 4; k++)
                    v[i * 12 + j * 4 + k] = 100 * i + 10 * j + k - (k % 2 == 0 ? 7.5 * j : 0);
        return v;
    }

    /// <summary>Reduces <paramref name="axes"/> of a row-major array; returns the keep-dim shape and the results.</summary>
    private static (int[] KeepShape, double[] Values) Naive(double[] x, int[] shape, int[] axes, Func<List<double>, double> f)
    {
        var keep = shape.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray();
        int outCount = keep.Aggregate(1, (p, d) => p * d);
        var groups = Enumerable.Range(0, outCount).Select(_ => new List<double>()).ToArray();
        var index = new int[shape.Length];
        for (int flat = 0; flat < x.Length; flat++)
        {
            int rem = flat;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                index[d] = rem % shape[d];
                rem /= shape[d];
            }
            int o = 0;
            for (int d = 0; d < shape.Length; d++) o = o * keep[d] + (axes.Contains(d) ? 0 : index[d]);
            groups[o].Add(x[flat]);
        }
        return (keep, groups.Select(f).ToArray());
    }

    private static int[] Dropped(int[] keepShape, int[] axes) => keepShape.Where((_, i) => !axes.Contains(i)).ToArray();

    private static void AssertClose(double[] expected, double[] actual, double tol = 1e-12)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * Math.Max(1, Math.Abs(expected[i])), $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }

    public static TheoryData<int[], bool> AxesAndKeepDim()
    {
        var d = new TheoryData<int[], bool>();
        foreach (var axes in new[] { new[] { 0 }, [1], [2], [0, 2], [1, 2], [0, 1, 2] })
            foreach (bool keep in new[] { false, true })
                d.Add(axes, keep);
        return d;
    }

    [Theory]
    [MemberData(nameof(AxesAndKeepDim))]
    public void SumMeanVarOverAxesMatchNaive(int[] axes, bool keepDim)
    {
        var x = Tensor.FromArray(Values(), Shape);
        var (keep, sum) = Naive(Values(), Shape, axes, g => g.Sum());
        var (_, mean) = Naive(Values(), Shape, axes, g => g.Average());
        var (_, varUnbiased) = Naive(Values(), Shape, axes, g => g.Sum(v => (v - g.Average()) * (v - g.Average())) / (g.Count - 1));
        var (_, varPop) = Naive(Values(), Shape, axes, g => g.Sum(v => (v - g.Average()) * (v - g.Average())) / g.Count);
        var expectShape = keepDim ? keep : Dropped(keep, axes);

        var s = x.Sum(axes, keepDim);
        Assert.Equal(expectShape, s.Shape.ToArray());
        AssertClose(sum, s.ToDoubleArray());

        var m = x.Mean(axes, keepDim);
        Assert.Equal(expectShape, m.Shape.ToArray());
        AssertClose(mean, m.ToDoubleArray());

        var v = x.Var(axes, keepDim: keepDim);
        Assert.Equal(expectShape, v.Shape.ToArray());
        AssertClose(varUnbiased, v.ToDoubleArray());
        AssertClose(varPop, x.Var(axes, correction: 0, keepDim: keepDim).ToDoubleArray());
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(2, false)]
    [InlineData(-1, true)]
    [InlineData(-3, true)]
    public void MaxMinAlongAxisMatchNaive(int axis, bool keepDim)
    {
        int a = axis < 0 ? axis + 3 : axis;
        var x = Tensor.FromArray(Values(), Shape);
        var (keep, max) = Naive(Values(), Shape, [a], g => g.Max());
        var (_, min) = Naive(Values(), Shape, [a], g => g.Min());
        var (_, argmax) = Naive(Values(), Shape, [a], g => g.IndexOf(g.Max()));
        var (_, argmin) = Naive(Values(), Shape, [a], g => g.IndexOf(g.Min()));
        var expectShape = keepDim ? keep : Dropped(keep, [a]);

        var mx = x.Max(axis, keepDim);
        Assert.Equal(expectShape, mx.Shape.ToArray());
        AssertClose(max, mx.ToDoubleArray(), 0);
        AssertClose(min, x.Min(axis, keepDim).ToDoubleArray(), 0);

        var am = x.ArgMax(axis, keepDim);
        Assert.Equal(DType.Int32, am.DType);
        Assert.Equal(expectShape, am.Shape.ToArray());
        Assert.Equal(argmax.Select(v => (int)v), am.ToArray<int>());
        Assert.Equal(argmin.Select(v => (int)v), x.ArgMin(axis, keepDim).ToArray<int>());
    }

    [Fact]
    public void WholeTensorReductionsAreZeroDimensional()
    {
        // Hand: values 1..6 → sum 21, mean 3.5, unbiased var = 17.5/5 = 3.5, population var 17.5/6, max 6, min 1.
        var x = Tensor.FromArray(new[] { 4.0, 1, 6, 2, 5, 3 }, 2, 3);
        Assert.Equal(0, x.Sum().Rank);
        Assert.Equal(21, x.Sum().Item());
        Assert.Equal(3.5, x.Mean().Item());
        Assert.Equal(3.5, x.Var().Item(), 12);
        Assert.Equal(17.5 / 6, x.Var(correction: 0).Item(), 12);
        Assert.Equal(6, x.Max().Item());
        Assert.Equal(1, x.Min().Item());
        Assert.Equal(0, x.Max().Rank);
        Assert.Equal(2, x.ArgMax().Item()); // flattened index of 6
        Assert.Equal(0, x.ArgMax().Rank);
        Assert.Equal(1, x.ArgMin().Item());
        Assert.Equal(new[] { 1, 1 }, x.Sum([], keepDim: true).Shape.ToArray());
    }

    [Fact]
    public void ArgMaxTakesTheFirstOfTies()
    {
        // Rows: [3,7,7,1] → 1; [5,5,5,5] → 0; [2,9,0,9] → 1. Columns of the same matrix (axis 0): [3,5,2] → 1, [7,5,9] → 2, ...
        var x = Tensor.FromArray(new[] { 3.0, 7, 7, 1, 5, 5, 5, 5, 2, 9, 0, 9 }, 3, 4);
        Assert.Equal(new[] { 1, 0, 1 }, x.ArgMax(1).ToArray<int>());
        Assert.Equal(new[] { 1, 2, 0, 2 }, x.ArgMax(0).ToArray<int>());
        Assert.Equal(9, x.ArgMax().Item()); // flattened: the first 9 (index 9), not the last (index 11)
        var ties = Tensor.FromArray(new[] { 4f, 4f, 4f, 4f, 4f, 4f }, 2, 3);
        Assert.Equal(new[] { 0, 0 }, ties.ArgMax(1).ToArray<int>());
        Assert.Equal(new[] { 0, 0, 0 }, ties.ArgMax(0).ToArray<int>());
        Assert.Equal(new[] { 0, 0 }, ties.ArgMin(1).ToArray<int>());
    }

    [Fact]
    public void ReductionsOfNonContiguousViewsUseLogicalOrder()
    {
        // xᵀ of [[1,2,3],[4,5,6]] is [[1,4],[2,5],[3,6]]: row sums 5, 7, 9 (hand); column max 3, 6.
        var x = Tensor.FromArray(new[] { 1.0, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.Equal(new[] { 5.0, 7, 9 }, x.T.Sum(1).ToDoubleArray());
        Assert.Equal(new[] { 3.0, 6 }, x.T.Max(0).ToDoubleArray());
        Assert.Equal(new[] { 2, 2 }, x.T.ArgMax(0).ToArray<int>());
        // Every other column [[1,3],[4,6]]: means 2, 5.
        Assert.Equal(new[] { 2.0, 5 }, x.Slice(1, 0, 3, 2).Mean(1).ToDoubleArray());
    }

    [Fact]
    public void SumAndMeanGradientsSpreadEvenly()
    {
        // Σ over axis 1 of [2,3]: ∂/∂x = 1 everywhere; mean over axis 1: 1/3 everywhere (hand).
        var x = Tensor.Zeros([2, 3], DType.Float64, requiresGrad: true);
        x.Sum(1).Sum().Backward();
        Assert.Equal(Enumerable.Repeat(1.0, 6), x.Grad!.ToDoubleArray());
        var y = Tensor.Zeros([2, 3], DType.Float64, requiresGrad: true);
        y.Mean(1).Sum().Backward();
        Assert.All(y.Grad!.ToDoubleArray(), g => Assert.Equal(1.0 / 3, g, 15));
    }

    [Fact]
    public void ArgMaxWithoutAxisKeepsEveryAxisAsSizeOneWithKeepDim()
    {
        // As PyTorch: argmax(x, keepdim=True) with no dim has the input's rank, all sizes 1; the value indexes the flattened tensor.
        var x = Tensor.FromArray(new float[] { 1, 5, 2, 7, 3, 0 }, 2, 3);
        var index = x.ArgMax(keepDim: true);
        Assert.Equal(new[] { 1, 1 }, index.Shape.ToArray());
        Assert.Equal(3, index.Item());
    }
}
