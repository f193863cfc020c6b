namespace Backprop.Tests.Autograd;

/// <summary>
/// The operators with integer results (comparisons, one_hot, argmax, the indices of topk and sort, multinomial) record
/// a node inside a trace only, where the ONNX exporter must see what they were computed from; outside one they
/// record nothing, as a result without a gradient should. A mean and a variance are one node each in a trace.
/// </summary>
public class TracingTests
{
    private static readonly (string Name, Func<Tensor, Tensor> Op)[] IntegerOps =
    [
        ("gt", x => x.Gt(0)),
        ("eq", x => x.Eq(x.Relu())),
        ("one_hot", x => x.Gt(0).OneHot(2)),
        ("argmax", x => x.ArgMax(1)),
        ("topk_indices", x => x.TopK(2).Indices),
        ("sort_indices", x => x.Sort().Indices),
        ("multinomial", x => x.Softmax().Multinomial(1, generator: new Generator(3))),
    ];

    [Fact]
    public void IntegerResultsRecordANodeInATraceOnly()
    {
        var x = Tensor.Normal([3, 4], 0, 1, new Generator(1), requiresGrad: true);
        foreach (var (name, op) in IntegerOps)
        {
            var plain = op(x);
            Assert.True(plain.GradFn is null, $"{name} recorded a node outside a trace");
            Tensor traced;
            using (Tracing.Begin()) traced = op(x);
            Assert.True(traced.GradFn is not null, $"{name} recorded nothing inside a trace");
            // A trace records; it does not change a value.
            Assert.Equal(plain.ToArray<int>(), traced.ToArray<int>());
        }
        // A mean and a variance are one node each in a trace, over the values the primitives computed.
        Tensor mean, variance;
        using (Tracing.Begin()) (mean, variance) = (x.Mean(0), x.Var(1));
        Assert.Equal("mean", mean.GradFn!.Name);
        Assert.Equal("var", variance.GradFn!.Name);
        Assert.Equal(x.Mean(0).ToArray<float>(), mean.ToArray<float>());
        Assert.Equal(x.Var(1).ToArray<float>(), variance.ToArray<float>());
        Assert.Equal("mul", x.Mean(0).GradFn!.Name);
        Tensor argmax;
        using (Tracing.Begin()) argmax = x.ArgMax(1);
        Assert.Equal("reshape", argmax.GradFn!.Name);
        Assert.Equal("argmax", argmax.GradFn.Inputs[0].GradFn!.Name);
    }
}
