using Backprop.NN;

namespace Backprop.Tests.Ops;

/// <summary>
/// Batch norm in training mode (the fused operator) against PyTorch: output, the gradients of the input, weight and
/// bias, and the running statistics after the step are PyTorch 1.13's own in float64, computed once by
/// <c>tools/fixtures/batch_norm.py</c> with <c>nn.BatchNorm1d</c>/<c>2d</c> and the case's weight and bias.
/// </summary>
public class BatchNormFixtureTests
{
    private static readonly Lazy<(string TorchVersion, IReadOnlyList<EdgeCase> Cases)> Fixture = new(() =>
    {
        using var doc = FixtureFile.Open("batch_norm.json");
        var root = doc.RootElement;
        return (root.GetProperty("torch_version").GetString()!, root.GetProperty("cases").EnumerateArray().Select(FixtureFile.Case).ToList());
    });

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Fixture.Value.Cases) data.Add(c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var c = Fixture.Value.Cases.Single(k => k.Name == name);
        var p = c.Params;
        var x = c.Inputs[0].ToTensor();
        int features = x.Shape[1];
        bool affine = p.GetProperty("affine").GetBoolean();
        double eps = p.GetProperty("eps").GetDouble(), momentum = p.GetProperty("momentum").GetDouble();
        BatchNorm bn = x.Rank == 4
            ? new BatchNorm2d(features, eps, momentum, affine, DType.Float64)
            : new BatchNorm1d(features, eps, momentum, affine, DType.Float64);
        if (affine)
        {
            bn.Weight!.CopyFrom(c.Inputs[1].ToTensor());
            bn.Bias!.CopyFrom(c.Inputs[2].ToTensor());
        }
        var y = bn.Forward(x);
        Assert.Equal("batch_norm", y.GradFn!.Name);
        if (p.TryGetProperty("output_tolerance", out var tolerance))
        {
            // PyTorch's own rounding is the larger one here (see tools/fixtures/batch_norm.py).
            var actual = y.ToDoubleArray();
            for (int i = 0; i < actual.Length; i++)
                Assert.True(Math.Abs(actual[i] - c.Output!.Values[i]) <= tolerance.GetDouble(), $"{name}: output[{i}] {actual[i]:R} (PyTorch {c.Output.Values[i]:R})");
        }
        else EdgeCaseGradientTests.AssertMatches(c.Output!, y, $"{name}: output");
        y.Backward(c.Upstream!.ToTensor());
        EdgeCaseGradientTests.AssertMatches(c.Grads[0]!, x.Grad!, $"{name}: input gradient");
        if (affine)
        {
            EdgeCaseGradientTests.AssertMatches(c.Grads[1]!, bn.Weight!.Grad!, $"{name}: weight gradient");
            EdgeCaseGradientTests.AssertMatches(c.Grads[2]!, bn.Bias!.Grad!, $"{name}: bias gradient");
        }
        EdgeCaseGradientTests.AssertMatches(FixtureFile.Tensor(p.GetProperty("running_mean"))!, bn.RunningMean, $"{name}: running mean");
        EdgeCaseGradientTests.AssertMatches(FixtureFile.Tensor(p.GetProperty("running_var"))!, bn.RunningVar, $"{name}: running variance");
    }

    [Fact]
    public void TheFixtureComesFromPyTorch113AndCoversEveryLayout()
    {
        Assert.StartsWith("1.13", Fixture.Value.TorchVersion);
        var ranks = Fixture.Value.Cases.Select(c => c.Inputs[0].Shape.Length).ToHashSet();
        Assert.Equal([2, 3, 4], ranks.Order());
        // An NC matrix wider than one block of channels, so both blocks of the kernel's NC path are compared.
        Assert.Contains(Fixture.Value.Cases, c => c.Inputs[0].Shape is [_, > Backprop.Kernels.BatchNormKernel.ChannelsPerBlock]);
    }
}
