namespace Backprop.Tests.Tensors;

/// <summary>Reading and writing elements, converting to arrays, and the errors for indices that do not fit.</summary>
public class TensorAccessTests
{
    private static Tensor Matrix() => Tensor.FromArray(new[] { 0.0, 1, 2, 3, 4, 5 }, 2, 3);

    [Fact]
    public void ItemOfOneElementTensors()
    {
        Assert.Equal(2.5, Tensor.Scalar(2.5).Item());
        Assert.Equal(4, Tensor.FromArray(new[] { 4.0 }, 1, 1).Item());
        Assert.Equal(3, Tensor.FromArray(new[] { 3 }).Item());
    }

    [Fact]
    public void ItemOnANonScalarThrowsNamingTheShape()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Matrix().Item());
        Assert.Contains("one-element", e.Message);
        Assert.Contains("[2, 3]", e.Message);
    }

    [Fact]
    public void IndexerReadsAndWritesWithNegativeIndices()
    {
        var m = Matrix();
        Assert.Equal(5, m[1, 2]);
        Assert.Equal(5, m[-1, -1]);
        Assert.Equal(3, m[-1, 0]);
        Assert.Equal(1, m[0, -2]);
        m[-2, -3] = 9;
        Assert.Equal(9, m[0, 0]);
        Assert.Equal(2.5, Tensor.Scalar(2.5)[Array.Empty<int>()]);

        var f = Tensor.FromArray(new[] { 1f, 2f });
        f[1] = 0.1; // stored as float
        Assert.Equal((double)0.1f, f[1]);
    }

    [Fact]
    public void IndexerOutOfRangeNamesTheIndexAxisAndSize()
    {
        var m = Matrix();
        // A user's mistake, so an ArgumentOutOfRangeException (never the runtime's IndexOutOfRangeException).
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => m[2, 0]);
        Assert.Equal("indexer: index 2 is out of range for axis 0 of size 2 (shape [2, 3]), expected -2 to 1", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => m[0, -4]);
        Assert.Contains("index -4 is out of range for axis 1 of size 3 (shape [2, 3]), expected -3 to 2", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => m[0, 3] = 1);
        var r = Assert.Throws<ArgumentException>(() => m[1]);
        Assert.Contains("1 indices given for a tensor of rank 2", r.Message);
    }

    [Fact]
    public void IndexerOnViewsUsesTheViewsStrides()
    {
        var m = Matrix();
        Assert.Equal(4, m.T[1, 1]);
        Assert.Equal(5, m.T[2, 1]);
        Assert.Equal(3, m.Slice(1, 0, 3, 2)[1, 0]);
        Assert.Equal(5, m.Slice(1, 0, 3, 2)[1, 1]);
        Assert.Equal(2, m.Narrow(1, 1, 2)[0, -1]);
    }

    [Fact]
    public void ToArrayConversions()
    {
        var d = Tensor.FromArray(new[] { 1.5, -2.5, 3.0 });
        Assert.Equal(new[] { 1.5f, -2.5f, 3f }, d.ToFloatArray());
        Assert.Equal(new[] { 1, -2, 3 }, d.ToArray<int>()); // truncation toward zero, as a C# cast
        Assert.Equal(new[] { 1.5, -2.5, 3.0 }, d.ToArray<double>());

        var i = Tensor.FromArray(new[] { 1, 2, 3 });
        Assert.Equal(new[] { 1.0, 2, 3 }, i.ToDoubleArray());
        Assert.Equal(new[] { 1f, 2, 3 }, i.ToFloatArray());

        var f = Tensor.FromArray(new[] { 0.1f });
        Assert.Equal((double)0.1f, f.ToDoubleArray()[0]); // the float value, widened exactly
        Assert.Throws<NotSupportedException>(() => f.ToArray<long>());

        // Non-contiguous: logical row-major order, and a copy.
        var m = Matrix();
        var t = m.T.ToDoubleArray();
        Assert.Equal(new[] { 0.0, 3, 1, 4, 2, 5 }, t);
        t[0] = 100;
        Assert.Equal(0, m[0, 0]);
        Assert.Equal(new[] { 0.0, 3, 1, 4, 2, 5 }, m.T.AsSpan<double>().ToArray());
    }

    [Fact]
    public void AsSpanReadsStorageOfTheRightType()
    {
        var m = Matrix();
        Assert.Equal(new[] { 3.0, 4, 5 }, m.Narrow(0, 1, 1).AsSpan<double>().ToArray());
        Assert.Throws<InvalidOperationException>(() => m.AsSpan<float>().ToArray());
    }

    [Fact]
    public void SizeShapeAndStrides()
    {
        var t = Tensor.Zeros(2, 3, 4);
        Assert.Equal(4, t.Size(-1));
        Assert.Equal(2, t.Size(0));
        Assert.Equal(new[] { 12, 4, 1 }, t.Strides.ToArray());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => t.Size(3));
        Assert.Contains("axis 3 is out of range for a tensor of rank 3", e.Message);
    }

    [Fact]
    public void FillAndCopyFrom()
    {
        var m = Matrix();
        m.T.Narrow(0, 0, 1).Fill(-1); // column 0
        Assert.Equal(new[] { -1.0, 1, 2, -1, 4, 5 }, m.ToDoubleArray());

        var target = Tensor.Zeros(2, 3);
        target.CopyFrom(Matrix());
        Assert.Equal(DType.Float32, target.DType);
        Assert.Equal(new[] { 0f, 1, 2, 3, 4, 5 }, target.ToFloatArray());
        var e = Assert.Throws<ArgumentException>(() => target.CopyFrom(Tensor.Zeros(3, 2)));
        Assert.Contains("[3, 2]", e.Message);
        Assert.Contains("[2, 3]", e.Message);

        // Into a transposed view: the logical positions are written.
        var dst = Tensor.Zeros([3, 2], DType.Float64);
        dst.T.CopyFrom(Matrix());
        Assert.Equal(new[] { 0.0, 3, 1, 4, 2, 5 }, dst.ToDoubleArray());
    }

    [Fact]
    public void NamesAreKept()
    {
        var t = Tensor.Zeros(2);
        t.Name = "w";
        Assert.Equal("w", t.Name);
        Assert.Equal("w", t.Detach().Name);
    }
}
