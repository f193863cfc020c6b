namespace Backprop.Tests.Tensors;

/// <summary>
/// Row-major strides come from a small per-thread cache of recent shapes (one array serves every tensor of its
/// shape); whatever the cache holds, they must be those of the shape asked for.
/// </summary>
public class ContiguousStridesTests
{
    private static int[] Naive(int[] shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { strides[i] = s; s *= shape[i]; }
        return strides;
    }

    [Fact]
    public void Strides_are_row_major_for_any_sequence_of_shapes()
    {
        // More distinct shapes than the cache holds, revisited in a random order, with ranks 0 to 5 and sizes of 0
        // and 1 (whose strides collide with those of other shapes: [3, 1, 4] and [3, 4]-like suffixes).
        var random = new Random(11);
        var shapes = Enumerable.Range(0, 40)
            .Select(_ => Enumerable.Range(0, random.Next(0, 6)).Select(_ => random.Next(0, 5)).ToArray())
            .ToArray();
        for (int i = 0; i < 2000; i++)
        {
            var shape = shapes[random.Next(shapes.Length)];
            Assert.Equal(Naive(shape), Shapes.ContiguousStrides(shape));
        }
    }

    [Fact]
    public void Shapes_that_differ_only_in_the_first_axis_share_one_array()
    {
        var a = Shapes.ContiguousStrides([64, 32, 14, 14]);
        var b = Shapes.ContiguousStrides([16, 32, 14, 14]);
        Assert.Same(a, b);
        Assert.Equal(new[] { 6272, 196, 14, 1 }, b);
        Assert.NotSame(a, Shapes.ContiguousStrides([64, 32, 14, 7]));
    }

    [Fact]
    public void A_tensor_of_a_cached_shape_reads_its_own_elements()
    {
        var first = Tensor.FromArray(Enumerable.Range(0, 6).Select(i => (float)i).ToArray(), [2, 3]);
        var second = Tensor.FromArray(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), [4, 3]);
        Assert.Same(first.StridesArray, second.StridesArray);
        Assert.Equal(new float[] { 0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11 }, second.Transpose(0, 1).ToFloatArray());
        Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, first.Transpose(0, 1).ToFloatArray());
    }
}
