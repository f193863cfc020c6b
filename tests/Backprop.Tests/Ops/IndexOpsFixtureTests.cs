namespace Backprop.Tests.Ops;

/// <summary>
/// The indexing, shape, sorting and pooling operators against PyTorch 1.13: expected outputs and input gradients are
/// PyTorch's own (float64), computed once by <c>tools/fixtures/ops_index.py</c> into <c>Fixtures/ops_index.json</c>.
/// Gradients are of Σ output·upstream with PyTorch's seeded upstream, so a gradient sent to the wrong place shows.
/// Integer outputs (indices, one-hot) must match exactly, except top-k indices among equal values, which PyTorch does
/// not define (the case says so with "ties"; its gradient is then compared as a multiset). Each case also runs in float32 against the same values, more loosely.
/// </summary>
public class IndexOpsFixtureTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in IndexOpsFixture.Cases) data.Add(c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorchInFloat64(string name) => Check(IndexOpsFixture.Get(name), DType.Float64, 1e-12, 1e-10);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorchInFloat32(string name) => Check(IndexOpsFixture.Get(name), DType.Float32, 1e-5, 1e-4);

    [Fact]
    public void TheFixtureComesFromPyTorch113AndCoversEveryOperator()
    {
        Assert.StartsWith("1.13", IndexOpsFixture.TorchVersion);
        string[] expected =
        [
            "embedding", "embedding_tied", "split", "chunk", "pad", "scatter_add", "one_hot", "topk", "sort", "argsort",
            "conv1d", "avg_pool2d", "adaptive_avg_pool2d",
        ];
        Assert.Equal(expected.Order(), IndexOpsFixture.Cases.Select(c => c.Op).Distinct().Order());
    }

    private static void Check(IndexCase c, DType dtype, double atol, double rtol)
    {
        var inputs = c.Inputs.Select(i => i.ToTensor(dtype)).ToArray();
        var outputs = Run(c, inputs);
        Assert.Equal(c.Outputs.Length, outputs.Length);
        Tensor? loss = null;
        for (int i = 0; i < outputs.Length; i++)
        {
            var expected = c.Outputs[i];
            if (expected.IsInt32 && c.Ties) continue;
            AssertMatches(expected, outputs[i], atol, rtol, $"{c.Name} ({dtype.Name()}): output {i}");
            if (c.Upstreams[i] is { } up)
            {
                var term = (outputs[i] * up.ToTensor(dtype).Detach()).Sum();
                loss = loss is null ? term : loss + term;
            }
        }
        if (loss is null || !loss.RequiresGrad) return;
        loss.Backward();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (c.Grads[i] is not { } expected) continue;
            var grad = inputs[i].Grad ?? Tensor.ZerosLike(inputs[i]);
            // Among equal values the gradient lands on whichever one was picked: compare the values it takes, not where.
            if (c.Ties) (expected, grad) = (expected with { Values = expected.Values.Order().ToArray() }, Tensor.FromArray(grad.ToDoubleArray().Order().ToArray(), grad.Shape.ToArray()));
            AssertMatches(expected, grad, atol, rtol, $"{c.Name} ({dtype.Name()}): gradient of input {i}");
        }
    }

    /// <summary>The Backprop computation that mirrors the PyTorch one of the same op in ops_index.py.</summary>
    private static Tensor[] Run(IndexCase c, Tensor[] x) => c.Op switch
    {
        "embedding" => [Tensor.Embedding(x[0], x[1])],
        "embedding_tied" => [Tensor.MatMul(Tensor.Embedding(x[0], x[1]), x[1].T)],
        "split" => c.Ints("sizes") is { } sizes ? x[0].Split(sizes, c.Int("axis")) : x[0].Split(c.Int("size"), c.Int("axis")),
        "chunk" => x[0].Chunk(c.Int("chunks"), c.Int("axis")),
        "pad" => [x[0].Pad(c.Ints("pads")!, c.Double("value", 0))],
        "scatter_add" => [x[0].ScatterAdd(c.Int("axis"), x[1], x[2])],
        "one_hot" => [x[0].OneHot(c.Int("classes"))],
        "topk" => Pair(x[0].TopK(c.Int("k"), c.Int("axis"), c.Bool("largest"))),
        "sort" => Pair(x[0].Sort(c.Int("axis"), c.Bool("descending"))),
        "argsort" => [x[0].Argsort(c.Int("axis"), c.Bool("descending"))],
        "conv1d" => [Tensor.Conv1d(x[0], x[1], x.Length > 2 ? x[2] : null, c.Int("stride"), c.Int("padding"))],
        "avg_pool2d" => [Tensor.AvgPool2d(x[0], c.Int("kernel"), c.Int("stride"), c.Int("padding"))],
        "adaptive_avg_pool2d" => [Tensor.AdaptiveAvgPool2d(x[0], c.Ints("size")![0], c.Ints("size")![1])],
        _ => throw new ArgumentException($"ops_index.json: unknown op '{c.Op}'"),
    };

    private static Tensor[] Pair((Tensor Values, Tensor Indices) r) => [r.Values, r.Indices];

    private static void AssertMatches(IndexFixtureTensor expected, Tensor actual, double atol, double rtol, string what)
    {
        Assert.True(expected.Shape.SequenceEqual(actual.Shape.ToArray()),
            $"{what}: shape {Shapes.Format(actual.Shape)}, PyTorch {Shapes.Format(expected.Shape)}");
        Assert.Equal(expected.IsInt32 ? DType.Int32 : actual.DType, actual.DType);
        var values = actual.ToDoubleArray();
        for (int i = 0; i < values.Length; i++)
        {
            double e = expected.Values[i], a = values[i];
            bool ok = expected.IsInt32 ? a == e
                : double.IsNaN(e) ? double.IsNaN(a)
                : double.IsInfinity(e) ? a == e
                : Math.Abs(a - e) <= atol + rtol * Math.Abs(e);
            Assert.True(ok, $"{what}: element {i} is {a}, PyTorch {e}");
        }
    }
}
