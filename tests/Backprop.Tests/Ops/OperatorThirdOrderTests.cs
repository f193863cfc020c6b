using Backprop.Cli;

namespace Backprop.Tests.Ops;

/// <summary>
/// Third derivatives: <see cref="GradGradCheck"/> of each suite case's recorded gradient F(x, w) = ∂⟨f(x), w⟩/∂x,
/// with the upstream weight w an input too. Differentiating F with createGraph runs the recorded rules of the
/// backward operators themselves (the indexed add, the convolution's input and weight gradients, the pooling
/// spreads, the reversed cumsum, the slice placement), checked against central differences of their ordinary rules.
/// </summary>
public class OperatorThirdOrderTests
{
    [Theory]
    [MemberData(nameof(OperatorGradCheckTests.Cases), MemberType = typeof(OperatorGradCheckTests))]
    public void TheRecordedGradientDifferentiatesTwiceMore(int index, string operatorAndShapes)
    {
        var c = GradCheckSuite.All[index];
        Assert.Equal($"{c.Operator} {c.Description}", operatorAndShapes);
        var inputs = c.Inputs();
        int n = inputs.Length;
        var shape = c.Function(inputs).ShapeArray;
        var w = Tensor.Normal(shape, 0, 1, new Generator((ulong)(1000 + index)), DType.Float64);
        Tensor Gradient(Tensor[] xw)
        {
            var x = xw[..n];
            var grads = Backprop.Autograd.Grad((c.Function(x) * xw[n]).Sum(), x, createGraph: true, allowUnused: true);
            return Tensor.Concat(grads.Select((g, i) => (g ?? Tensor.ZerosLike(x[i])).Reshape(-1)).ToArray());
        }
        var result = GradGradCheck.Check(Gradient, [.. inputs, w], c.Epsilon, c.AbsoluteTolerance, c.RelativeTolerance);
        Assert.True(result.Passed, $"third-order check failed for {operatorAndShapes}: {result}");
    }
}
