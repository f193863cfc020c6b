using Backprop.Cli;

namespace Backprop.Tests.Ops;

/// <summary>
/// Second derivatives of every operator of <see cref="GradCheckSuite"/> against central differences of the ordinary
/// first derivative (<see cref="GradGradCheck"/>): a case whose operators all have a differentiable backward rule must
/// pass, and any other must refuse with the clear error, never return a number.
/// </summary>
public class OperatorGradGradCheckTests
{
    // The suite's operators (or single cases) whose every recorded node has a differentiable rule (docs/architecture.md lists the nodes).
    // Forward mode (ForwardModeGradCheckTests) is built on the same rules, so it reads this set too.
    internal static readonly HashSet<string> Supported =
    [
        "add", "sub", "mul", "div", "neg", "pow", "square", "exp", "ln", "sqrt", "abs", "tanh", "sigmoid", "relu",
        "maximum", "minimum", "clamp", "where", "to", "matmul", "sum", "mean", "var", "reshape", "view", "flatten",
        "squeeze", "unsqueeze", "permute", "transpose", "expand", "broadcast_to", "sum_to", "t", "narrow", "slice",
        "concat", "stack", "contiguous", "clone", "softmax", "log_softmax", "cross_entropy", "mse", "linear", "gelu",
        "silu", "softplus", "log1p", "erf", "sin", "cos", "masked_fill", "std", "layer_norm", "split", "chunk",
        "l1", "batch_norm", "bce_with_logits", "tril", "triu", "amax", "amin", "max", "min", "pad",
        // A case of an operator whose other cases run fused kernels without a recorded rule.
        "scaled_dot_product_attention [2,4,3] with an additive mask [4,4]",
    ];

    [Theory]
    [MemberData(nameof(OperatorGradCheckTests.Cases), MemberType = typeof(OperatorGradCheckTests))]
    public void SecondDerivativeMatchesCentralDifferencesOrRefuses(int index, string operatorAndShapes)
    {
        var c = GradCheckSuite.All[index];
        Assert.Equal($"{c.Operator} {c.Description}", operatorAndShapes);
        if (Supported.Contains(c.Operator) || Supported.Contains(operatorAndShapes))
        {
            var result = c.RunSecondOrder();
            Assert.NotEmpty(result.Inputs);
            Assert.True(result.Passed, $"gradgradcheck failed for {operatorAndShapes}: {result}");
        }
        else
        {
            var e = Assert.Throws<NotSupportedException>(() => c.RunSecondOrder());
            Assert.Matches("^double backward through '[a-z_0-9]+' is not supported yet", e.Message);
        }
    }

    [Fact]
    public void AWrongSecondDerivativeFailsTheCheck()
    {
        // x² whose recorded rule returns g·2·(detached x): right to first order, but its own derivative in x is 0, not 2.
        var x = Tensor.FromArray(new[] { 0.5, 1.5 }, 2);
        Assert.True(GradCheck.Check(t => WrongSecondOrderSquare.Apply(t[0]), [x]).Passed);
        var result = GradGradCheck.Check(t => WrongSecondOrderSquare.Apply(t[0]), [x]);
        Assert.True(result.FirstOrderPassed, result.ToString());
        Assert.False(result.Passed, result.ToString());
        Assert.False(result.Inputs[0].Passed);
        Assert.True(result.Inputs[1].Passed); // in the upstream gradient it is linear, as it should be
    }

    private sealed class WrongSecondOrderSquare : Node
    {
        public override string Name => "wrong_square";

        public static Tensor Apply(Tensor x)
        {
            Tensor y;
            using (Backprop.Autograd.NoGrad()) y = x * x;
            return Record(y, new WrongSecondOrderSquare(), x);
        }

        internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = g * InputArray[0] * 2.0;

        internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => dx[0] = g * InputArray[0].Detach() * 2.0;
    }
}
