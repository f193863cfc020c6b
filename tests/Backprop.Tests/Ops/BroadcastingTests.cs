namespace Backprop.Tests.Ops;

/// <summary>
/// The binary operators with NumPy broadcasting, against a naive reference written here: for every output multi-index,
/// the operand elements are found by hand (right-aligned axes, index 0 on size-1 axes) and combined with System.Math.
/// </summary>
public class BroadcastingTests
{
    private static readonly string[] OpNames = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"];

    private static readonly (int[] A, int[] B)[] ShapePairs =
    [
        ([3, 4], [4]),
        ([4], [3, 4]),
        ([2, 1, 3], [4, 1]),
        ([], [2, 3]),
        ([2, 3], []),
        ([1], [5]),
        ([5], [1]),
    ];

    private static Tensor Apply(string op, Tensor a, Tensor b) => op switch
    {
        "add" => a + b,
        "sub" => a - b,
        "mul" => a * b,
        "div" => a / b,
        "pow" => a.Pow(b),
        "maximum" => a.Maximum(b),
        _ => a.Minimum(b),
    };

    private static double Reference(string op, double x, double y) => op switch
    {
        "add" => x + y,
        "sub" => x - y,
        "mul" => x * y,
        "div" => x / y,
        "pow" => Math.Pow(x, y),
        "maximum" => Math.Max(x, y),
        _ => Math.Min(x, y),
    };

    // The first operand is a base of pow, so positive: [0.5, 2). The second has both signs but |y| ≥ 0.25 (a divisor).
    // Values are rounded to float so that float32 and float64 runs start from the same numbers.
    private static double[] FirstValues(int n, ulong seed)
    {
        var g = new Generator(seed);
        return Enumerable.Range(0, n).Select(_ => (double)(float)(0.5 + 1.5 * g.NextDouble())).ToArray();
    }

    private static double[] SecondValues(int n, ulong seed)
    {
        var g = new Generator(seed);
        return Enumerable.Range(0, n).Select(_ =>
        {
            double v = 0.25 + 1.25 * g.NextDouble();
            return (double)(float)(g.NextDouble() < 0.5 ? -v : v);
        }).ToArray();
    }

    private static int Numel(int[] shape) => shape.Aggregate(1, (p, d) => p * d);

    private static Tensor Make(double[] values, int[] shape, DType dtype) => dtype == DType.Float32
        ? Tensor.FromArray(values.Select(v => (float)v).ToArray(), shape.Length == 0 ? [] : shape).Reshape(shape)
        : Tensor.FromArray(values, shape.Length == 0 ? [1] : shape).Reshape(shape);

    /// <summary>The naive broadcast: result shape by the rule, then each element from the operands' own indices.</summary>
    private static (int[] Shape, double[] Values) NaiveBroadcast(string op, double[] a, int[] aShape, double[] b, int[] bShape)
    {
        int rank = Math.Max(aShape.Length, bShape.Length);
        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - aShape.Length) >= 0 ? aShape[i - (rank - aShape.Length)] : 1;
            int db = i - (rank - bShape.Length) >= 0 ? bShape[i - (rank - bShape.Length)] : 1;
            Assert.True(da == db || da == 1 || db == 1, "test bug: shapes do not broadcast");
            shape[i] = Math.Max(da, db);
        }
        var result = new double[Numel(shape)];
        var index = new int[rank];
        for (int flat = 0; flat < result.Length; flat++)
        {
            int rem = flat;
            for (int i = rank - 1; i >= 0; i--)
            {
                index[i] = rem % shape[i];
                rem /= shape[i];
            }
            result[flat] = Reference(op, a[Offset(index, aShape)], b[Offset(index, bShape)]);
        }
        return (shape, result);
    }

    // Row-major position in an operand of the element read at an output index (axes aligned from the right).
    private static int Offset(int[] outIndex, int[] shape)
    {
        int lead = outIndex.Length - shape.Length, pos = 0;
        for (int i = 0; i < shape.Length; i++)
            pos = pos * shape[i] + (shape[i] == 1 ? 0 : outIndex[lead + i]);
        return pos;
    }

    private static void AssertClose(double[] expected, double[] actual, double relTol)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = relTol * Math.Max(1, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    // float32 results are compared with a float64 reference on the same inputs: a few float32 ulps of error allowed.
    private static double Tolerance(DType dtype) => dtype == DType.Float32 ? 2e-6 : 1e-13;

    public static IEnumerable<object[]> OpShapeDtype()
    {
        foreach (var op in OpNames)
            for (int p = 0; p < ShapePairs.Length; p++)
                foreach (var dtype in new[] { DType.Float32, DType.Float64 })
                    yield return [op, $"{Format(ShapePairs[p].A)} & {Format(ShapePairs[p].B)}", p, dtype];
    }

    private static string Format(int[] s) => "[" + string.Join(",", s) + "]";

    [Theory]
    [MemberData(nameof(OpShapeDtype))]
    public void BroadcastPairMatchesNaiveLoop(string op, string shapes, int pair, DType dtype)
    {
        _ = shapes; // in the display name only
        var (aShape, bShape) = ShapePairs[pair];
        var a = FirstValues(Numel(aShape), 1);
        var b = SecondValues(Numel(bShape), 2);
        var (shape, expected) = NaiveBroadcast(op, a, aShape, b, bShape);

        var y = Apply(op, Make(a, aShape, dtype), Make(b, bShape, dtype));

        Assert.Equal(shape, y.Shape.ToArray());
        Assert.Equal(dtype, y.DType);
        AssertClose(expected, y.ToDoubleArray(), Tolerance(dtype));
    }

    // Non-contiguous operands, each built from a base array whose logical values are derived here by hand.
    public static IEnumerable<object[]> OpLayoutDtype()
    {
        foreach (var op in OpNames)
            foreach (var layout in new[] { "transposed", "sliced", "expanded", "transposed-and-sliced" })
                foreach (var dtype in new[] { DType.Float32, DType.Float64 })
                    yield return [op, layout, dtype];
    }

    /// <summary>A [3,4] first operand laid out as <paramref name="layout"/>, and its logical row-major values.</summary>
    private static (Tensor Tensor, double[] Logical) NonContiguous(string layout, DType dtype)
    {
        switch (layout)
        {
            case "transposed":
            {
                // base [4,3], viewed as its transpose [3,4]: element [i,j] = base[j,i] = v[j*3 + i].
                var v = FirstValues(12, 3);
                var t = Make(v, [4, 3], dtype).T;
                return (t, Logical(3, 4, (i, j) => v[j * 3 + i]));
            }
            case "sliced":
            {
                // base [3,8], columns 1,3,5,7: element [i,j] = v[i*8 + 1 + 2j].
                var v = FirstValues(24, 4);
                var t = Make(v, [3, 8], dtype).Slice(1, 1, 8, 2);
                return (t, Logical(3, 4, (i, j) => v[i * 8 + 1 + 2 * j]));
            }
            case "expanded":
            {
                // base [3,1] expanded to [3,4]: element [i,j] = v[i].
                var v = FirstValues(3, 5);
                var t = Make(v, [3, 1], dtype).Expand(3, 4);
                return (t, Logical(3, 4, (i, j) => v[i]));
            }
            default:
            {
                // base [5,3]: transpose to [3,5], then columns 1..4: element [i,j] = base[j+1, i] = v[(j+1)*3 + i].
                var v = FirstValues(15, 6);
                var t = Make(v, [5, 3], dtype).T.Narrow(1, 1, 4);
                return (t, Logical(3, 4, (i, j) => v[(j + 1) * 3 + i]));
            }
        }
    }

    private static double[] Logical(int rows, int cols, Func<int, int, double> at)
    {
        var r = new double[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                r[i * cols + j] = at(i, j);
        return r;
    }

    [Theory]
    [MemberData(nameof(OpLayoutDtype))]
    public void NonContiguousOperandsMatchNaiveLoop(string op, string layout, DType dtype)
    {
        var (a, aValues) = NonContiguous(layout, dtype);
        Assert.False(a.IsContiguous);

        // Against a row vector [4] on the right, against a non-contiguous [3,4] too, and with the strided operand second.
        var row = SecondValues(4, 7);
        var (shape, expected) = NaiveBroadcast(op, aValues, [3, 4], row, [4]);
        var y = Apply(op, a, Make(row, [4], dtype));
        Assert.Equal(shape, y.Shape.ToArray());
        AssertClose(expected, y.ToDoubleArray(), Tolerance(dtype));

        // Transposed [4,3] → [3,4] as the second operand: element [i,j] = w[j*3 + i].
        var w = SecondValues(12, 8);
        var bt = Make(w, [4, 3], dtype).T;
        var (_, expected2) = NaiveBroadcast(op, aValues, [3, 4], Logical(3, 4, (i, j) => w[j * 3 + i]), [3, 4]);
        AssertClose(expected2, Apply(op, a, bt).ToDoubleArray(), Tolerance(dtype));

        // The strided operand on the right of a [2,1,4] left operand (pow needs a positive base, so use the first kind).
        var left = FirstValues(8, 9);
        var (shape3, expected3) = NaiveBroadcast(op, left, [2, 1, 4], aValues, [3, 4]);
        var y3 = Apply(op, Make(left, [2, 1, 4], dtype), a);
        Assert.Equal(shape3, y3.Shape.ToArray());
        AssertClose(expected3, y3.ToDoubleArray(), Tolerance(dtype));
    }

    [Theory]
    [MemberData(nameof(OpsOnly))]
    public void Float32WithFloat64PromotesToFloat64(string op)
    {
        // The float32 operand's values are exactly representable in float64, so the result is the float64 computation.
        var a = FirstValues(12, 10);
        var b = SecondValues(4, 11);
        var (_, expected) = NaiveBroadcast(op, a, [3, 4], b, [4]);

        var y = Apply(op, Make(a, [3, 4], DType.Float32), Make(b, [4], DType.Float64));
        Assert.Equal(DType.Float64, y.DType);
        AssertClose(expected, y.ToDoubleArray(), 1e-13);

        var z = Apply(op, Make(a, [3, 4], DType.Float64), Make(b, [4], DType.Float32));
        Assert.Equal(DType.Float64, z.DType);
        AssertClose(expected, z.ToDoubleArray(), 1e-13);
    }

    public static TheoryData<string> OpsOnly() => new(OpNames);

    [Fact]
    public void BroadcastGradientIsSummedOverTheBroadcastAxes()
    {
        // y = a[3,4] + b[4]; Σy: ∂/∂b_j = Σ_i 1 = 3 (hand derivation), ∂/∂a = 1. And c[2,1,3]·d[4,1]: ∂Σ/∂c = Σ_j d_j over the 4 rows.
        var a = Tensor.Zeros([3, 4], DType.Float64, requiresGrad: true);
        var b = Tensor.Zeros([4], DType.Float64, requiresGrad: true);
        (a + b).Sum().Backward();
        Assert.Equal(new[] { 3.0, 3, 3, 3 }, b.Grad!.ToDoubleArray());
        Assert.Equal(Enumerable.Repeat(1.0, 12), a.Grad!.ToDoubleArray());

        var c = Tensor.FromArray(new[] { 1.0, 2, 3, 4, 5, 6 }, 2, 1, 3);
        c.RequiresGrad = true;
        var d = Tensor.FromArray(new[] { 1.0, 10, 100, 1000 }, 4, 1);
        d.RequiresGrad = true;
        (c * d).Sum().Backward();
        Assert.Equal(new[] { 2, 1, 3 }, c.Grad!.Shape.ToArray());
        Assert.Equal(Enumerable.Repeat(1111.0, 6), c.Grad!.ToDoubleArray());
        // ∂/∂d_j = Σ over c = 21 for every j.
        Assert.Equal(new[] { 4, 1 }, d.Grad!.Shape.ToArray());
        Assert.Equal(Enumerable.Repeat(21.0, 4), d.Grad!.ToDoubleArray());
    }

    [Fact]
    public void MixedDtypeGradientArrivesInEachInputsOwnDtype()
    {
        var a = Tensor.FromArray(new[] { 1f, 2f }, 2);
        a.RequiresGrad = true;
        var b = Tensor.FromArray(new[] { 3.0, 4.0 }, 2);
        b.RequiresGrad = true;
        (a * b).Sum().Backward();
        Assert.Equal(DType.Float32, a.Grad!.DType);
        Assert.Equal(DType.Float64, b.Grad!.DType);
        Assert.Equal(new[] { 3f, 4f }, a.Grad.ToFloatArray());
        Assert.Equal(new[] { 1.0, 2.0 }, b.Grad.ToDoubleArray());
    }
}
