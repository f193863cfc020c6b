using Backprop.Tests.Ops;

namespace Backprop.Tests.Autograd;

/// <summary>
/// Vmap's batched evaluation: for every operator with a batching rule the function runs once (not once per example)
/// and the result equals running it per example and stacking, within 1e-12 in float64; operators without a rule fall
/// back to the per-example loop; batching composes with Grad (per-example gradients) and with another Vmap.
/// </summary>
public class VmapBatchingTests
{
    private const int Batch = 4;

    private static Tensor R(int seed, params int[] shape) => Tensor.Normal(shape, 0, 1, new Generator((ulong)seed), DType.Float64);

    private static Tensor P(int seed, params int[] shape) => Tensor.Uniform(shape, 0.5, 2, new Generator((ulong)seed), DType.Float64);

    /// <summary>The loop Vmap falls back to, written out: f per example on slices, results stacked along axis 0.</summary>
    private static Tensor[] PerExample(Func<Tensor[], Tensor[]> f, Tensor[] x, int?[] inDims)
    {
        int batch = x.Select((t, i) => inDims[i] is int a ? t.Size(a) : -1).Max();
        var results = new List<Tensor[]>();
        for (int b = 0; b < batch; b++)
            results.Add(f(x.Select((t, i) => inDims[i] is int a ? t.Narrow(a, b, 1).Squeeze(a) : t).ToArray()));
        return Enumerable.Range(0, results[0].Length).Select(j => Tensor.Stack(results.Select(r => r[j]).ToArray())).ToArray();
    }

    private static void Close(Tensor expected, Tensor actual, string what, double tolerance = 1e-12)
    {
        Assert.True(Shapes.Equal(expected.ShapeArray, actual.ShapeArray),
            $"{what}: shape {Shapes.Format(actual.ShapeArray)}, expected {Shapes.Format(expected.ShapeArray)}");
        var (e, a) = (expected.ToDoubleArray(), actual.ToDoubleArray());
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(a[i] - e[i]) <= tolerance * Math.Max(1, Math.Abs(e[i])) || (double.IsNaN(e[i]) && double.IsNaN(a[i])),
                $"{what}[{i}]: expected {e[i]:R}, got {a[i]:R}");
    }

    /// <summary>Maps f batched, checks it ran once, and compares with the per-example loop.</summary>
    private static void Batched(string what, Func<Tensor[], Tensor> f, Tensor[] x, int?[] inDims)
    {
        int calls = 0;
        var mapped = Functional.Vmap(t =>
        {
            calls++;
            return f(t);
        }, inDims);
        var actual = mapped(x);
        Assert.True(calls == 1, $"{what}: the function ran {calls} times; a batching rule should have run it once");
        Close(PerExample(t => [f(t)], x, inDims)[0], actual, what);
    }

    public static TheoryData<string> Unary => new(UnaryCases.Keys);

    private static readonly Dictionary<string, Func<Tensor, Tensor>> UnaryCases = new()
    {
        ["neg"] = t => -t, ["exp"] = t => t.Exp(), ["ln"] = t => (t * t + 0.5).Log(), ["sqrt"] = t => (t * t + 0.5).Sqrt(),
        ["abs"] = t => t.Abs(), ["tanh"] = t => t.Tanh(), ["sigmoid"] = t => t.Sigmoid(), ["relu"] = t => t.Relu(),
        ["square"] = t => t.Square(), ["pow 3"] = t => t.Pow(3), ["maximum 0.2"] = t => t.Maximum(0.2), ["minimum 0.2"] = t => t.Minimum(0.2),
        ["clamp"] = t => t.Clamp(-0.5, 0.5), ["gelu"] = t => t.Gelu(), ["gelu tanh"] = t => t.Gelu(GeluApproximation.Tanh),
        ["silu"] = t => t.Silu(), ["softplus"] = t => t.Softplus(2, 1), ["log1p"] = t => (t * t).Log1p(), ["erf"] = t => t.Erf(),
        ["sin"] = t => t.Sin(), ["cos"] = t => t.Cos(), ["to float32"] = t => t.To(DType.Float32).To(DType.Float64),
        ["+ 2"] = t => t + 2, ["2 +"] = t => 2 + t, ["- 2"] = t => t - 2, ["2 -"] = t => 2 - t, ["* 3"] = t => t * 3, ["3 *"] = t => 3 * t,
        ["/ 2"] = t => t / 2, ["2 /"] = t => 2 / (t * t + 1),
        ["sum"] = t => t.Sum(), ["sum axis 1"] = t => t.Sum(1), ["sum axes (0, 2) keepdim"] = t => t.Sum([0, 2], keepDim: true),
        ["mean"] = t => t.Mean(), ["mean axis -1"] = t => t.Mean(-1), ["var axis 1"] = t => t.Var([1]), ["std all"] = t => t.Std(),
        ["reshape"] = t => t.Reshape(6, -1), ["view"] = t => t.View(2, 12), ["flatten"] = t => t.Flatten(), ["flatten 1"] = t => t.Flatten(1),
        ["unsqueeze squeeze"] = t => t.Unsqueeze(1).Unsqueeze(-1).Squeeze(1), ["transpose"] = t => t.Transpose(0, 2),
        ["permute"] = t => t.Permute(2, 0, 1), ["t"] = t => t.T, ["expand"] = t => t.Narrow(1, 0, 1).Expand(3, 2, 5, 4),
        ["broadcast_to"] = t => t.Sum(0).BroadcastTo(3, 3, 4), ["narrow"] = t => t.Narrow(1, 1, 2), ["slice"] = t => t.Slice(2, 0, 4, 2),
        ["clone"] = t => t.Clone(), ["detach"] = t => t.Detach() * t, ["contiguous"] = t => t.Transpose(0, 1).Contiguous(),
        ["softmax"] = t => t.Softmax(), ["softmax axis 0"] = t => t.Softmax(0), ["log_softmax axis 1"] = t => t.LogSoftmax(1),
        ["mse"] = t => t.MseLoss(t.Tanh()), ["mse none"] = t => t.MseLoss(t.Sin(), Reduction.None),
    };

    [Theory]
    [MemberData(nameof(Unary))]
    public void AnOperatorOfOneTensorRunsOnceForTheBatch(string op) =>
        Batched(op, t => UnaryCases[op](t[0]), [R(1, Batch, 2, 3, 4)], [0]);

    [Fact]
    public void ABatchAlongAnotherAxisIsMovedInFrontAndBack()
    {
        Batched("softmax over axis 1", t => t[0].Softmax(), [R(2, 3, Batch, 5)], [1]);
        int calls = 0;
        var x = R(3, 3, Batch);
        var y = Functional.Vmap(t => { calls++; return t.Exp() * 2; }, inDim: 1, outDim: 1)(x);
        Assert.Equal(1, calls);
        Close(x.Exp() * 2, y, "outDim 1");
    }

    public static TheoryData<string> Binary => new(BinaryCases.Keys);

    private static readonly Dictionary<string, Func<Tensor, Tensor, Tensor>> BinaryCases = new()
    {
        ["add"] = (a, b) => a + b, ["sub"] = (a, b) => a - b, ["mul"] = (a, b) => a * b, ["div"] = (a, b) => a / (b * b + 1),
        ["pow"] = (a, b) => (a * a + 0.5).Pow(b), ["maximum"] = (a, b) => a.Maximum(b), ["minimum"] = (a, b) => a.Minimum(b),
        ["where"] = (a, b) => Tensor.Where(Tensor.FromArray(new[] { 1.0, 0, 1 }, 3, 1), a, b),
    };

    [Theory]
    [MemberData(nameof(Binary))]
    public void ABroadcastingOperatorOfTwoTensorsRunsOnceForTheBatch(string op)
    {
        var f = BinaryCases[op];
        Batched(op + ", both batched", t => f(t[0], t[1]), [R(10, Batch, 3, 4), R(11, Batch, 3, 4)], [0, 0]);
        Batched(op + ", both batched, ranks differ", t => f(t[0], t[1]), [R(12, Batch, 3, 4), R(13, Batch, 4)], [0, 0]);
        Batched(op + ", batched and shared of higher rank", t => f(t[0], t[1]), [R(14, Batch, 4), R(15, 3, 4)], [0, null]);
        Batched(op + ", shared and batched", t => f(t[0], t[1]), [R(16, 3, 1), R(17, Batch, 3, 4)], [null, 0]);
        Batched(op + ", batched scalar and shared", t => f(t[0], t[1]), [R(18, Batch), R(19, 3, 4)], [0, null]);
    }

    public static TheoryData<string> Products => new(ProductCases.Keys);

    private static readonly Dictionary<string, (Func<Tensor[], Tensor> F, Tensor[] X, int?[] InDims)> ProductCases = new()
    {
        ["matmul batched · shared"] = (t => Tensor.MatMul(t[0], t[1]), [R(20, Batch, 3, 4), R(21, 4, 5)], [0, null]),
        ["matmul shared · batched"] = (t => Tensor.MatMul(t[0], t[1]), [R(22, 2, 3), R(23, Batch, 3, 4)], [null, 0]),
        ["matmul batched · batched"] = (t => Tensor.MatMul(t[0], t[1]), [R(24, Batch, 3, 4), R(25, Batch, 4, 2)], [0, 0]),
        ["matmul vector · shared matrix"] = (t => Tensor.MatMul(t[0], t[1]), [R(26, Batch, 4), R(27, 4, 5)], [0, null]),
        ["matmul shared matrix · vector"] = (t => Tensor.MatMul(t[0], t[1]), [R(28, 3, 4), R(29, Batch, 4)], [null, 0]),
        ["matmul vector · vector"] = (t => Tensor.MatMul(t[0], t[1]), [R(30, Batch, 4), R(31, 4)], [0, null]),
        ["matmul batched · shared of rank 3"] = (t => Tensor.MatMul(t[0], t[1]), [R(32, Batch, 3, 4), R(33, 2, 4, 5)], [0, null]),
        ["matmul rank 3 batched · batched vector"] = (t => Tensor.MatMul(t[0], t[1]), [R(34, Batch, 2, 3, 4), R(35, Batch, 4)], [0, 0]),
        ["linear shared weights"] = (t => Tensor.Linear(t[0], t[1], t[2]), [R(36, Batch, 3, 5), R(37, 4, 5), R(38, 4)], [0, null, null]),
        ["linear of a vector"] = (t => Tensor.Linear(t[0], t[1], t[2]), [R(39, Batch, 5), R(40, 4, 5), R(41, 4)], [0, null, null]),
        ["linear per-example weights"] = (t => Tensor.Linear(t[0], t[1], t[2]), [R(42, Batch, 3, 5), R(43, Batch, 4, 5), R(44, 4)], [0, 0, null]),
        ["linear per-example bias, no shared input"] = (t => Tensor.Linear(t[0], t[1], t[2]), [R(45, 2, 5), R(46, 4, 5), R(47, Batch, 4)], [null, null, 0]),
        ["cross_entropy mean"] = (t => t[0].CrossEntropy([1, 0, 2]), [R(48, Batch, 3, 4)], [0]),
        ["cross_entropy batched labels"] = (t => t[0].CrossEntropy(t[1]), [R(49, Batch, 3, 4), Tensor.FromArray(new[] { 0, 1, 2, 3, 3, 2, 1, 0, 1, 1, 2, 2 }, Batch, 3)], [0, 0]),
        ["cross_entropy sum, smoothing"] = (t => t[0].CrossEntropy([1, 0, 2], 0.1, Reduction.Sum), [R(50, Batch, 3, 4)], [0]),
        ["cross_entropy none"] = (t => t[0].CrossEntropy([1, 0, 2], reduction: Reduction.None), [R(51, Batch, 3, 4)], [0]),
        ["cross_entropy weights, ignore index"] = (t => t[0].CrossEntropy(t[1], 0.05, ignoreIndex: 1, weight: Tensor.FromArray(new[] { 0.5, 1, 2, 1.5 })),
            [R(52, Batch, 3, 4), Tensor.FromArray(new[] { 0, 1, 2, 1, 1, 3, 2, 2, 0, 3, 1, 0 }, Batch, 3)], [0, 0]),
        ["cross_entropy of one row"] = (t => t[0].CrossEntropy(t[1]), [R(53, Batch, 4), Tensor.FromArray(new[] { 0, 3, 2, 1 }, Batch)], [0, 0]),
        ["cross_entropy (B, T, V)"] = (t => t[0].CrossEntropy(t[1]), [R(54, Batch, 2, 3, 4), Tensor.FromArray(Enumerable.Range(0, Batch * 6).Select(i => i % 4).ToArray(), Batch, 2, 3)], [0, 0]),
        ["cross_entropy shared logits, batched labels"] = (t => t[0].CrossEntropy(t[1]), [R(55, 3, 4), Tensor.FromArray(new[] { 0, 1, 2, 3, 3, 2, 1, 0, 1, 1, 2, 2 }, Batch, 3)], [null, 0]),
    };

    [Theory]
    [MemberData(nameof(Products))]
    public void ProductsLayersAndLossesRunOnceForTheBatch(string op)
    {
        var (f, x, inDims) = ProductCases[op];
        Batched(op, f, x, inDims);
    }

    [Fact]
    public void AnOperatorWithoutARuleFallsBackToTheLoop()
    {
        var x = R(60, Batch, 5);
        int calls = 0;
        Func<Tensor, Tensor> f = t => (t.Exp().Cumsum(0) * t).Sum();
        var y = Functional.Vmap(t => { calls++; return f(t); })(x);
        // One abandoned batched run, then one run per example.
        Assert.Equal(1 + Batch, calls);
        Close(PerExample(t => [f(t[0])], [x], [0])[0], y, "cumsum");
        // Reading a value inside the function falls back the same way.
        calls = 0;
        var z = Functional.Vmap(t => { calls++; return t * t.Sum().Item(); })(x);
        Assert.Equal(1 + Batch, calls);
        Close(PerExample(t => [t[0] * t[0].Sum().Item()], [x], [0])[0], z, "item");
    }

    // The per-example loss of the fixture's 4-5-3 tanh MLP (tools/fixtures/func_transforms.py).
    private static Tensor ExampleLoss(Tensor[] a) =>
        Tensor.Linear(Tensor.Linear(a[4].Unsqueeze(0), a[0], a[1]).Tanh(), a[2], a[3]).CrossEntropy(a[5].Unsqueeze(0));

    [Fact]
    public void PerExampleGradientsOfAnMlpTakeOneBatchedCall()
    {
        using var fixture = FixtureFile.Open("func_transforms.json");
        var p = fixture.RootElement.GetProperty("per_example");
        var parameters = p.GetProperty("parameters").EnumerateArray().Select(e => FixtureFile.Tensor(e)!.ToTensor()).ToArray();
        var x = FixtureFile.Tensor(p.GetProperty("x"))!.ToTensor();
        var labels = Tensor.FromArray(p.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32()).ToArray(), x.Size(0));
        int calls = 0;
        var grads = Functional.Vmap(Functional.Grad(a => { calls++; return ExampleLoss(a); }, withRespectTo: [0, 1, 2, 3]),
            inDims: [null, null, null, null, 0, 0])([.. parameters, x, labels]);
        Assert.Equal(1, calls);
        var expected = p.GetProperty("gradients").EnumerateArray().Select(e => FixtureFile.Tensor(e)!.ToTensor()).ToArray();
        for (int k = 0; k < grads.Length; k++) Close(expected[k], grads[k], $"per-example gradient {k}", 1e-7);
        // And the same as the loop, to rounding.
        var loop = PerExample(Functional.Grad(ExampleLoss, withRespectTo: [0, 1, 2, 3]), [.. parameters, x, labels], [null, null, null, null, 0, 0]);
        for (int k = 0; k < grads.Length; k++) Close(loop[k], grads[k], $"per-example gradient {k} against the loop");
    }

    [Fact]
    public void PerExampleHessianVectorProductsInTheWeightsMatchTheLoop()
    {
        // Second order through the per-example linear layers: Hvp in the weights, per example, against the loop.
        using var fixture = FixtureFile.Open("func_transforms.json");
        var p = fixture.RootElement.GetProperty("per_example");
        var parameters = p.GetProperty("parameters").EnumerateArray().Select(e => FixtureFile.Tensor(e)!.ToTensor()).ToArray();
        var x = FixtureFile.Tensor(p.GetProperty("x"))!.ToTensor();
        var labels = Tensor.FromArray(p.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32()).ToArray(), x.Size(0));
        var directions = parameters.Select((t, i) => R(70 + i, t.ShapeArray)).ToArray();
        int calls = 0;
        Tensor[] Products(Tensor[] a) => Functional.Hvp(w => { calls++; return ExampleLoss([.. w, a[4], a[5]]); }, a[..4], directions).Products;
        var batched = Functional.Vmap(Products, [null, null, null, null, 0, 0])([.. parameters, x, labels]);
        Assert.Equal(1, calls);
        var loop = PerExample(Products, [.. parameters, x, labels], [null, null, null, null, 0, 0]);
        for (int k = 0; k < batched.Length; k++) Close(loop[k], batched[k], $"per-example Hvp {k}");
    }

    [Fact]
    public void ValueAndGradInsideVmapGivesEveryExamplesValueAndGradient()
    {
        var w = R(61, 3, 4);
        var x = R(62, Batch, 4);
        int calls = 0;
        Tensor Loss(Tensor[] a) { calls++; return Tensor.MatMul(a[0], a[1]).Tanh().Sum(); }
        var both = Functional.Vmap(a =>
        {
            var (value, gradients) = Functional.ValueAndGrad(Loss, withRespectTo: [0, 1])(a);
            return [value, .. gradients];
        }, [null, 0])([w, x]);
        Assert.Equal(1, calls);
        var loop = PerExample(a =>
        {
            var (value, gradients) = Functional.ValueAndGrad(Loss, withRespectTo: [0, 1])(a);
            return [value, .. gradients];
        }, [w, x], [null, 0]);
        for (int k = 0; k < 3; k++) Close(loop[k], both[k], $"output {k}");
    }

    [Fact]
    public void VmapInsideVmapBatchesBothLevels()
    {
        var x = R(63, 3, Batch, 5);
        var w = R(64, 5, 2);
        int calls = 0;
        var y = Functional.Vmap(a => Functional.Vmap(b => { calls++; return Tensor.MatMul(b[0], b[1]).Softmax(); }, [0, null])(a), [0, null])([x, w]);
        Assert.Equal(1, calls);
        var expected = Tensor.MatMul(x, w).Softmax();
        Close(expected, y, "nested softmax(x·w)");
        // Inner over axis 1 of the examples, stacked along axis 1.
        calls = 0;
        var z = Functional.Vmap(r => Functional.Vmap(c => { calls++; return c * c.Sum(); }, inDim: 1, outDim: 1)(r))(x);
        Assert.Equal(1, calls);
        Close(x * x.Sum(1, keepDim: true), z, "nested over axis 1");
    }

    [Fact]
    public void NestedVmapOfGradGivesGradientsPerPairOfExamples()
    {
        var x = R(65, 2, 3, 4);
        var w = R(66, 4);
        int calls = 0;
        var g = Functional.Vmap(a => Functional.Vmap(b => Functional.Grad(c => { calls++; return (c[0] * c[1]).Sin().Sum(); }, withRespectTo: [1])(b), [0, null])(a),
            [0, null])([x, w]);
        Assert.Equal(1, calls);
        // ∂/∂w Σ sin(x·w) = x·cos(x·w), for every pair (i, j).
        Close(x * (x * w).Cos(), g[0], "per-pair gradient");
    }

    [Fact]
    public void GradOfVmapDifferentiatesThroughTheBatchedRun()
    {
        var x = R(67, Batch, 3);
        var w = R(68, 3, 2);
        int calls = 0;
        var g = Functional.Grad(a => Functional.Vmap(b => { calls++; return Tensor.MatMul(b[0], b[1]).Tanh().Sum(); }, [0, null])(a).Sum(),
            withRespectTo: [1])([x, w])[0];
        Assert.Equal(1, calls);
        var expected = Functional.Grad(a => Tensor.MatMul(a[0], a[1]).Tanh().Sum(), withRespectTo: [1])([x, w])[0];
        Close(expected, g, "∂/∂w");
    }

    [Fact]
    public void HessiansPerExampleRunBatched()
    {
        var x = R(69, Batch, 3);
        int calls = 0;
        var h = Functional.Vmap(Functional.Hessian(r => { calls++; return (r.Pow(3) * r.Sin()).Sum(); }))(x);
        var loop = PerExample(t => [Functional.Hessian(r => (r.Pow(3) * r.Sin()).Sum())(t[0])], [x], [0])[0];
        Close(loop, h, "per-example Hessians");
        Assert.Equal(1, calls);
    }
}
