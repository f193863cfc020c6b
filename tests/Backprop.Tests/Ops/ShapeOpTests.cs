namespace Backprop.Tests.Ops;

/// <summary>
/// Operators that rearrange elements. Expected values are derived by hand from arange inputs (x[i,j] = i·cols + j),
/// so every element says where it came from; views are checked to share storage by writing through them.
/// </summary>
public class ShapeOpTests
{
    private static Tensor Arange(params int[] shape) => Tensor.Arange(shape.Aggregate(1, (p, d) => p * d), DType.Float64).Reshape(shape);

    private static double[] Values(Tensor t) => t.ToDoubleArray();

    [Fact]
    public void ReshapeAndViewShareStorage()
    {
        var x = Arange(2, 6);
        var r = x.Reshape(3, 4);
        var v = x.View(4, -1);
        Assert.Equal(new[] { 3, 4 }, r.Shape.ToArray());
        Assert.Equal(new[] { 4, 3 }, v.Shape.ToArray());
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (double)i), Values(r));
        r[1, 2] = 100; // flat 6
        Assert.Equal(100, x[1, 0]);
        Assert.Equal(100, v[2, 0]);
        v[3, 2] = -1; // flat 11
        Assert.Equal(-1, x[1, 5]);
    }

    [Fact]
    public void ReshapeOfANonContiguousTensorCopiesInLogicalOrder()
    {
        // xᵀ of [[0,1,2],[3,4,5]] = [[0,3],[1,4],[2,5]], flattened: 0,3,1,4,2,5 (hand).
        var x = Arange(2, 3);
        var flat = x.T.Reshape(6);
        Assert.Equal(new[] { 0.0, 3, 1, 4, 2, 5 }, Values(flat));
        flat[0] = 42; // a copy: the source is untouched
        Assert.Equal(0, x[0, 0]);
    }

    [Fact]
    public void FlattenMergesTheGivenAxes()
    {
        var x = Arange(2, 3, 4);
        Assert.Equal(new[] { 24 }, x.Flatten().Shape.ToArray());
        Assert.Equal(new[] { 2, 12 }, x.Flatten(1).Shape.ToArray());
        Assert.Equal(new[] { 6, 4 }, x.Flatten(0, 1).Shape.ToArray());
        Assert.Equal(new[] { 2, 3, 4 }, x.Flatten(1, 1).Shape.ToArray());
        Assert.Equal(Enumerable.Range(0, 24).Select(i => (double)i), Values(x.Flatten(1)));
        Assert.Equal(new[] { 1 }, Tensor.Scalar(3.0).Flatten().Shape.ToArray());
    }

    [Fact]
    public void SqueezeAndUnsqueeze()
    {
        var x = Arange(1, 3, 1, 2);
        Assert.Equal(new[] { 3, 2 }, x.Squeeze().Shape.ToArray());
        Assert.Equal(new[] { 3, 1, 2 }, x.Squeeze(0).Shape.ToArray());
        Assert.Equal(new[] { 1, 3, 2 }, x.Squeeze(2).Shape.ToArray());
        Assert.Equal(new[] { 1, 3, 2 }, x.Squeeze(-2).Shape.ToArray());
        Assert.Equal(new[] { 1, 3, 1, 2 }, x.Squeeze(1).Shape.ToArray()); // size 3: unchanged, as PyTorch
        var v = Arange(3);
        Assert.Equal(new[] { 1, 3 }, v.Unsqueeze(0).Shape.ToArray());
        Assert.Equal(new[] { 3, 1 }, v.Unsqueeze(1).Shape.ToArray());
        Assert.Equal(new[] { 3, 1 }, v.Unsqueeze(-1).Shape.ToArray());
        Assert.Equal(new[] { 1, 3 }, v.Unsqueeze(-2).Shape.ToArray());
        Assert.Equal(new[] { 1 }, Tensor.Scalar(1.0).Unsqueeze(0).Shape.ToArray());
        // Views: a write through the squeezed tensor shows in the source.
        x.Squeeze()[2, 1] = 50;
        Assert.Equal(50, x[0, 2, 0, 1]);
    }

    [Fact]
    public void TransposeAndPermuteAreViews()
    {
        // y = x.Permute(2,0,1) on [2,3,4]: y[k,i,j] = x[i,j,k] = 12i + 4j + k (hand).
        var x = Arange(2, 3, 4);
        var y = x.Permute(2, 0, 1);
        Assert.Equal(new[] { 4, 2, 3 }, y.Shape.ToArray());
        Assert.False(y.IsContiguous);
        for (int k = 0; k < 4; k++)
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 3; j++)
                    Assert.Equal(12 * i + 4 * j + k, y[k, i, j]);
        var t = x.Transpose(0, 2);
        Assert.Equal(new[] { 4, 3, 2 }, t.Shape.ToArray());
        Assert.Equal(12 * 1 + 4 * 2 + 3, t[3, 2, 1]);
        Assert.Equal(new[] { 4, 3, 2 }, x.T.Shape.ToArray());
        Assert.Equal(x[1, 2, 3], x.T[3, 2, 1]);
        Assert.Equal(new[] { 4, 2, 3 }, x.Permute(-1, 0, 1).Shape.ToArray());

        y[1, 1, 2] = -5; // x[1,2,1]
        Assert.Equal(-5, x[1, 2, 1]);
        t[0, 0, 1] = -6; // x[1,0,0]
        Assert.Equal(-6, x[1, 0, 0]);
        // Row-major values of the transpose of [[0,1,2],[3,4,5]]: [[0,3],[1,4],[2,5]].
        Assert.Equal(new[] { 0.0, 3, 1, 4, 2, 5 }, Values(Arange(2, 3).Transpose(0, 1)));
    }

    [Fact]
    public void ExpandIsAStrideZeroView()
    {
        var x = Arange(3, 1);
        var e = x.Expand(2, 3, 4);
        Assert.Equal(new[] { 2, 3, 4 }, e.Shape.ToArray());
        Assert.Equal(new[] { 0, 1, 0 }, e.Strides.ToArray());
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 4; j++)
                    Assert.Equal(i, e[b, i, j]);
        Assert.Equal(new[] { 3, 5 }, x.Expand(-1, 5).Shape.ToArray());
        Assert.Equal(new[] { 2, 3, 1 }, x.BroadcastTo(2, 3, 1).Shape.ToArray());
        x[2, 0] = 9;
        Assert.Equal(9, e[1, 2, 3]);
    }

    [Fact]
    public void NarrowAndSliceWithStep()
    {
        var x = Arange(4, 7);
        var n = x.Narrow(0, 1, 2);
        Assert.Equal(new[] { 2, 7 }, n.Shape.ToArray());
        Assert.Equal(Enumerable.Range(7, 14).Select(i => (double)i), Values(n));

        // x[:, 1:7:2] → columns 1,3,5; x[:, 0:7:3] → columns 0,3,6; x[:, -3:] → columns 4,5,6 (hand).
        var s = x.Slice(1, 1, 7, 2);
        Assert.Equal(new[] { 4, 3 }, s.Shape.ToArray());
        Assert.Equal(new[] { 1.0, 3, 5, 8, 10, 12, 15, 17, 19, 22, 24, 26 }, Values(s));
        Assert.Equal(new[] { 0.0, 3, 6 }, Values(x.Slice(1, 0, 7, 3).Narrow(0, 0, 1)));
        Assert.Equal(new[] { 4.0, 5, 6 }, Values(x.Slice(1, -3, 7).Narrow(0, 0, 1)));
        Assert.Equal(new[] { 2, 2 }, x.Slice(0, 0, 4, 2).Slice(1, 0, 4, 3).Shape.ToArray()); // rows 0,2; columns 0,3
        Assert.Equal(new[] { 0.0, 3, 14, 17 }, Values(x.Slice(0, 0, 4, 2).Slice(1, 0, 4, 3)));
        Assert.Equal(0, x.Slice(1, 2, 2).Size(1));

        s[0, 1] = -3; // x[0,3]
        Assert.Equal(-3, x[0, 3]);
    }

    [Fact]
    public void SliceGradientLandsAtTheSlicedPositions()
    {
        var x = Tensor.Zeros([2, 5], DType.Float64, requiresGrad: true);
        (x.Slice(1, 1, 5, 2) * Tensor.FromArray(new[] { 1.0, 2, 3, 4 }, 2, 2)).Sum().Backward();
        Assert.Equal(new[] { 0.0, 1, 0, 2, 0, 0, 3, 0, 4, 0 }, x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void IndexSelectWithRepeatsAccumulatesTheGradient()
    {
        // Rows 2, 0, 2 of [[0,1],[2,3],[4,5]] → [[4,5],[0,1],[4,5]]; columns 1,1,0 → [[1,1,0],[3,3,2],[5,5,4]] (hand).
        var x = Arange(3, 2);
        x.RequiresGrad = true;
        var rows = x.IndexSelect(0, 2, 0, 2);
        Assert.Equal(new[] { 3, 2 }, rows.Shape.ToArray());
        Assert.Equal(new[] { 4.0, 5, 0, 1, 4, 5 }, Values(rows));
        Assert.Equal(new[] { 1.0, 1, 0, 3, 3, 2, 5, 5, 4 }, Values(x.IndexSelect(1, 1, 1, 0)));

        // Σ rows·w with w = [[1,2],[3,4],[5,6]]: row 2 gets w0 + w2 = [6,8], row 0 gets w1 = [3,4], row 1 nothing.
        (rows * Tensor.FromArray(new[] { 1.0, 2, 3, 4, 5, 6 }, 3, 2)).Sum().Backward();
        Assert.Equal(new[] { 3.0, 4, 0, 0, 6, 8 }, x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void GatherPicksAlongTheAxisAndScatterAddsBack()
    {
        // out[i][j] = x[i][index[i][j]] with x = [[0,1,2,3],[4,5,6,7],[8,9,10,11]], index [[3,0],[1,1],[2,2]] (hand).
        var x = Arange(3, 4);
        x.RequiresGrad = true;
        var index = Tensor.FromArray(new[] { 3, 0, 1, 1, 2, 2 }, 3, 2);
        var g = x.Gather(1, index);
        Assert.Equal(new[] { 3, 2 }, g.Shape.ToArray());
        Assert.Equal(new[] { 3.0, 0, 5, 5, 10, 10 }, Values(g));
        g.Sum().Backward();
        Assert.Equal(new[] { 1.0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 2, 0 }, x.Grad!.ToDoubleArray());

        // Along axis 0: out[i][j] = x[index[i][j]][j]; index [[2,0,1,2]] → [8, 1, 6, 11].
        var col = Arange(3, 4).Gather(0, Tensor.FromArray(new[] { 2, 0, 1, 2 }, 1, 4));
        Assert.Equal(new[] { 8.0, 1, 6, 11 }, Values(col));
    }

    [Fact]
    public void ConcatJoinsAlongAnAxis()
    {
        var a = Arange(2, 2);            // [[0,1],[2,3]]
        var b = Arange(2, 3) + 10.0;     // [[10,11,12],[13,14,15]]
        var c = Tensor.Concat([a, b], 1);
        Assert.Equal(new[] { 2, 5 }, c.Shape.ToArray());
        Assert.Equal(new[] { 0.0, 1, 10, 11, 12, 2, 3, 13, 14, 15 }, Values(c));
        var d = Tensor.Concat([a, a.T, a], 0);
        Assert.Equal(new[] { 6, 2 }, d.Shape.ToArray());
        Assert.Equal(new[] { 0.0, 1, 2, 3, 0, 2, 1, 3, 0, 1, 2, 3 }, Values(d));
        Assert.Equal(new[] { 2, 5 }, Tensor.Concat([a, b], -1).Shape.ToArray());
    }

    [Fact]
    public void StackJoinsAlongANewAxis()
    {
        var a = Tensor.FromArray(new[] { 1.0, 2, 3 });
        var b = Tensor.FromArray(new[] { 4.0, 5, 6 });
        var s0 = Tensor.Stack([a, b]);
        Assert.Equal(new[] { 2, 3 }, s0.Shape.ToArray());
        Assert.Equal(new[] { 1.0, 2, 3, 4, 5, 6 }, Values(s0));
        var s1 = Tensor.Stack([a, b], 1);
        Assert.Equal(new[] { 3, 2 }, s1.Shape.ToArray());
        Assert.Equal(new[] { 1.0, 4, 2, 5, 3, 6 }, Values(s1));
        Assert.Equal(new[] { 3, 2 }, Tensor.Stack([a, b], -1).Shape.ToArray());
    }

    [Fact]
    public void ConcatAndStackSendEachInputItsSliceOfTheGradient()
    {
        var a = Tensor.Zeros([2], DType.Float64, requiresGrad: true);
        var b = Tensor.Zeros([3], DType.Float64, requiresGrad: true);
        (Tensor.Concat([a, b]) * Tensor.FromArray(new[] { 1.0, 2, 3, 4, 5 })).Sum().Backward();
        Assert.Equal(new[] { 1.0, 2 }, a.Grad!.ToDoubleArray());
        Assert.Equal(new[] { 3.0, 4, 5 }, b.Grad!.ToDoubleArray());

        var c = Tensor.Zeros([2], DType.Float64, requiresGrad: true);
        var d = Tensor.Zeros([2], DType.Float64, requiresGrad: true);
        // Stacked along axis 1: [[c0,d0],[c1,d1]] · [[1,2],[3,4]].
        (Tensor.Stack([c, d], 1) * Tensor.FromArray(new[] { 1.0, 2, 3, 4 }, 2, 2)).Sum().Backward();
        Assert.Equal(new[] { 1.0, 3 }, c.Grad!.ToDoubleArray());
        Assert.Equal(new[] { 2.0, 4 }, d.Grad!.ToDoubleArray());
    }

    [Fact]
    public void ContiguousAndCloneCopy()
    {
        var x = Arange(2, 3);
        var t = x.T;
        Assert.False(t.IsContiguous);
        var c = t.Contiguous();
        Assert.True(c.IsContiguous);
        Assert.Equal(new[] { 0.0, 3, 1, 4, 2, 5 }, c.AsSpan<double>().ToArray());
        Assert.Same(x, x.Contiguous());
        var k = x.Clone();
        k[0, 0] = 7;
        Assert.Equal(0, x[0, 0]);
    }
}
