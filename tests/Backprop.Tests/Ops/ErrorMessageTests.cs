namespace Backprop.Tests.Ops;

/// <summary>
/// User mistakes throw exceptions whose message names the operator, the shapes or values involved, and what was
/// expected — checked on the message text, since that text is what a user (or the CLI's one-line error) sees.
/// </summary>
public class ErrorMessageTests
{
    private static Tensor M(params int[] shape) => Tensor.Zeros(shape, DType.Float64);

    [Theory]
    [InlineData("add")]
    [InlineData("sub")]
    [InlineData("mul")]
    [InlineData("div")]
    [InlineData("pow")]
    [InlineData("maximum")]
    [InlineData("minimum")]
    public void BroadcastMismatchNamesOperatorShapesAndRule(string op)
    {
        var a = M(2, 3);
        var b = M(4);
        Func<Tensor> f = op switch
        {
            "add" => () => a + b,
            "sub" => () => a - b,
            "mul" => () => a * b,
            "div" => () => a / b,
            "pow" => () => a.Pow(b),
            "maximum" => () => a.Maximum(b),
            _ => () => a.Minimum(b),
        };
        var e = Assert.Throws<ArgumentException>(() => f());
        Assert.StartsWith(op + ":", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4]", e.Message);
        Assert.Contains("cannot be broadcast", e.Message);
        Assert.Contains("3 vs 4", e.Message);
        Assert.Contains("must match or be 1", e.Message);
    }

    [Fact]
    public void MatMulInnerDimensionMismatch()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.MatMul(M(2, 3), M(4, 5)));
        Assert.StartsWith("matmul:", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4, 5]", e.Message);
        Assert.Contains("(3)", e.Message);
        Assert.Contains("(4)", e.Message);
        Assert.Contains("must equal", e.Message);

        var v = Assert.Throws<ArgumentException>(() => Tensor.MatMul(M(3), M(4)));
        Assert.Contains("matmul: vectors of lengths 3 and 4", v.Message);

        // A vector against a matrix: the message shows the shapes the user passed, not internal unsqueezed ones.
        var vm = Assert.Throws<ArgumentException>(() => Tensor.MatMul(M(3), M(4, 5)));
        Assert.Equal("matmul: shapes [3] and [4, 5] do not fit: the last axis of the first (3) must equal the second-to-last axis of the second (4)", vm.Message);
        var mv = Assert.Throws<ArgumentException>(() => Tensor.MatMul(M(2, 3), M(4)));
        Assert.Equal("matmul: shapes [2, 3] and [4] do not fit: the last axis of the first (3) must equal the length of the second (4)", mv.Message);

        var s = Assert.Throws<ArgumentException>(() => Tensor.MatMul(Tensor.Scalar(1.0), M(2, 2)));
        Assert.Contains("matmul: both operands need at least one axis", s.Message);

        var batch = Assert.Throws<ArgumentException>(() => Tensor.MatMul(M(2, 3, 4), M(3, 4, 5)));
        Assert.StartsWith("matmul: the batch axes of [2, 3, 4] and [3, 4, 5] do not broadcast: shapes [2] and [3] cannot be broadcast together", batch.Message);
    }

    [Fact]
    public void ConcatAndStackShapeMismatch()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Concat([M(2, 3), M(2, 4)], 0));
        Assert.Equal("concat: tensor 1 has shape [2, 4], which differs from [2, 3] on axis 1 (only axis 0 may differ)", e.Message);
        var r = Assert.Throws<ArgumentException>(() => Tensor.Concat([M(2, 3), M(6)], 0));
        Assert.Contains("concat: tensor 1 has shape [6], expected rank 2", r.Message);
        var s = Assert.Throws<ArgumentException>(() => Tensor.Stack([M(3), M(4)]));
        Assert.Equal("stack: tensor 1 has shape [4], expected [3] like tensor 0", s.Message);
        Assert.Contains("concat: expected at least one tensor", Assert.Throws<ArgumentException>(() => Tensor.Concat([], 0)).Message);
    }

    public static TheoryData<string, Func<Tensor>> AxisOutOfRange() => new()
    {
        { "sum", () => M(2, 3).Sum(2) },
        { "max", () => M(2, 3).Max(-3) },
        { "min", () => M(2, 3).Min(5) },
        { "argmax", () => M(2, 3).ArgMax(2) },
        { "softmax", () => M(2, 3).Softmax(2) },
        { "transpose", () => M(2, 3).Transpose(0, 2) },
        { "unsqueeze", () => M(2, 3).Unsqueeze(4) },
        { "squeeze", () => M(2, 1).Squeeze(2) },
        { "flatten", () => M(2, 3).Flatten(0, 2) },
        { "concat", () => Tensor.Concat([M(2, 3), M(2, 3)], 2) },
        { "gather", () => M(2, 3).Gather(2, Tensor.FromArray(new[] { 0, 0 }, 2, 1)) },
        { "index_select", () => M(2, 3).IndexSelect(-3, 0) },
        { "slice", () => M(2, 3).Slice(2, 0, 1) },
        { "permute", () => M(2, 3).Permute(0, 2) },
    };

    [Theory]
    [MemberData(nameof(AxisOutOfRange))]
    public void AxisOutOfRangeNamesOperatorAxisAndRange(string op, Func<Tensor> f)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => f());
        Assert.StartsWith(op + ":", e.Message);
        Assert.Contains("is out of range for a tensor of rank", e.Message);
        Assert.Contains("(expected ", e.Message);
    }

    [Fact]
    public void AxisOutOfRangeMessageSpellsOutTheValidRange()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => M(2, 3).Sum(2));
        Assert.StartsWith("sum: axis 2 is out of range for a tensor of rank 2 (expected -2..1)", e.Message);
    }

    [Fact]
    public void BackwardOnANonScalarWithoutGradient()
    {
        var x = Tensor.Ones([3, 4], DType.Float64, requiresGrad: true);
        var e = Assert.Throws<InvalidOperationException>(() => (x * 2.0).Backward());
        Assert.Equal(
            "Backward: the output has shape [3, 4], so it needs an explicit gradient of that shape (only a one-element output gets the implicit gradient 1)",
            e.Message);
    }

    [Fact]
    public void IndexSelectIndexOutOfRange()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => M(3, 2).IndexSelect(0, 1, 3));
        Assert.Equal("index_select: index 3 (position 1) is out of range for axis 0 of size 3 (shape [3, 2]), expected 0 to 2", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => M(3, 2).IndexSelect(1, -1));
    }

    [Fact]
    public void GatherIndexOutOfRange()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => M(2, 3).Gather(1, Tensor.FromArray(new[] { 0, 1, 2, 3 }, 2, 2)));
        Assert.StartsWith("gather: index 3 at position 3 is out of range for axis 1 of size 3", e.Message);
        var d = Assert.Throws<ArgumentException>(() => M(2, 3).Gather(1, Tensor.FromArray(new[] { 0.0, 1 }, 2, 1)));
        Assert.Contains("gather: the index must be an int32 tensor, got float64", d.Message);
        var r = Assert.Throws<ArgumentException>(() => M(2, 3).Gather(1, Tensor.FromArray(new[] { 0, 1 }, 2)));
        Assert.Contains("gather: index of shape [2] must have the input's rank 2 (input [2, 3])", r.Message);
    }

    [Fact]
    public void IndexerOutOfRange()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => M(2, 3)[0, 5]);
        Assert.Equal("indexer: index 5 is out of range for axis 1 of size 3 (shape [2, 3]), expected -3 to 2", e.Message);
    }

    [Fact]
    public void ReshapeToAWrongElementCount()
    {
        var e = Assert.Throws<ArgumentException>(() => M(2, 3).Reshape(4, 2));
        Assert.Equal("reshape: cannot reshape [2, 3] (6 elements) into [4, 2] (8 elements)", e.Message);
        var inferred = Assert.Throws<ArgumentException>(() => M(2, 3).Reshape(4, -1));
        Assert.Equal("reshape: cannot reshape [2, 3] (6 elements) into [4, -1]", inferred.Message);
        var twice = Assert.Throws<ArgumentException>(() => M(2, 3).View(-1, -1));
        Assert.Contains("only one size may be -1", twice.Message);
    }

    [Fact]
    public void CrossEntropyLabelOutOfRange()
    {
        var e = Assert.Throws<ArgumentException>(() => M(2, 3).CrossEntropy([1, 3]));
        Assert.Equal("cross_entropy: label 3 in row 1 is out of range for 3 classes (expected 0..2 or the ignore index -100)", e.Message);
        var n = Assert.Throws<ArgumentException>(() => M(2, 3).CrossEntropy([-1, 0]));
        Assert.Contains("label -1 in row 0", n.Message);
        var c = Assert.Throws<ArgumentException>(() => M(2, 3).CrossEntropy([0]));
        Assert.Equal("cross_entropy: 1 labels for a batch of 2 rows (logits [2, 3])", c.Message);
        var s = Assert.Throws<ArgumentException>(() => M(3).CrossEntropy([0]));
        Assert.Contains("cross_entropy: expected logits of shape [batch, classes] (or [..., classes]), got [3]", s.Message);
    }

    [Fact]
    public void ExpandOfANonUnitAxis()
    {
        var e = Assert.Throws<ArgumentException>(() => M(2, 3).Expand(4, 3));
        Assert.StartsWith("expand: axis 0 of size 2 cannot be expanded to 4", e.Message);
        Assert.Contains("only size-1 axes expand", e.Message);
        // −1 keeps an existing axis' size, but a new leading axis has none to keep.
        var lead = Assert.Throws<ArgumentException>(() => M(3).Expand(-1, 3));
        Assert.StartsWith("expand: size -1 for axis 0 of [-1, 3] is not allowed", lead.Message);
        Assert.Throws<ArgumentException>(() => M(3, 1).Expand(3, -2));
    }

    [Fact]
    public void SliceOutOfBounds()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => M(2, 3).Slice(1, 1, 5));
        Assert.StartsWith("slice: range [1, 5) is out of bounds for axis 1 of size 3 (shape [2, 3])", e.Message);
        Assert.Contains("slice: step must be positive, got 0", Assert.Throws<ArgumentException>(() => M(3).Slice(0, 0, 3, 0)).Message);
    }

    [Fact]
    public void IntegerTensorsInFloatingPointOperators()
    {
        var i = Tensor.FromArray(new[] { 1, 2 });
        var e = Assert.Throws<ArgumentException>(() => i.Exp());
        Assert.Equal("exp: expected a float32 or float64 tensor, got int32 of shape [2]", e.Message);
        Assert.StartsWith("add:", Assert.Throws<ArgumentException>(() => i + i).Message);
    }
}
