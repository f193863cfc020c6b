using Backprop.Cli;
using Backprop.Tests.Ops;

namespace Backprop.Tests.Autograd;

/// <summary>
/// Forward mode for every operator of <see cref="GradCheckSuite"/>: the Jacobian-vector product of
/// <see cref="Functional.Jvp(Func{Tensor[], Tensor}, Tensor[], Tensor[], bool)"/> against the central difference of the
/// function along the same direction (<see cref="JvpCheck"/>). Forward mode is built on the differentiable backward
/// rules, which every operator has, so every case must pass; an operator without one refuses with the clear error
/// naming the transform and the operator, never a number.
/// </summary>
public class ForwardModeGradCheckTests
{
    [Theory]
    [MemberData(nameof(OperatorGradCheckTests.Cases), MemberType = typeof(OperatorGradCheckTests))]
    public void JvpMatchesCentralDifferencesAlongTheTangent(int index, string operatorAndShapes)
    {
        var c = GradCheckSuite.All[index];
        Assert.Equal($"{c.Operator} {c.Description}", operatorAndShapes);
        var result = c.RunForwardMode();
        Assert.Single(result.Inputs);
        Assert.True(result.Passed, $"forward-mode check failed for {operatorAndShapes}: {result}");
    }

    [Fact]
    public void AnOperatorWithoutADifferentiableRuleRefuses()
    {
        var x = Tensor.FromArray(new[] { 0.5, 1.5, -2 }, 3);
        var e = Assert.Throws<NotSupportedException>(() => Functional.Jvp(t => NoRecordedRule.Apply(t[0]).Sum(), [x], [Tensor.OnesLike(x)]));
        Assert.Matches(@"^Functional\.Jvp: forward mode \(the double-VJP construction\) differentiates the backward pass, and double backward through 'no_rule' is not supported yet", e.Message);
    }

    private sealed class NoRecordedRule : Node
    {
        public override string Name => "no_rule";

        public static Tensor Apply(Tensor x)
        {
            Tensor y;
            using (Backprop.Autograd.NoGrad()) y = x * 2.0;
            return Record(y, new NoRecordedRule(), x);
        }

        internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = g * 2.0;
    }

    [Fact]
    public void AWrongTangentFailsTheCheck()
    {
        // x² whose differentiable rule says 3x instead of 2x (the ordinary rule is right): the tangent is off by half.
        var x = Tensor.FromArray(new[] { 0.5, 1.5, -2 }, 3);
        Assert.True(GradCheck.Check(t => WrongRecordedSquare.Apply(t[0]), [x]).Passed);
        var result = JvpCheck.Check(t => WrongRecordedSquare.Apply(t[0]), [x]);
        Assert.False(result.Passed, result.ToString());
        Assert.Contains("FAILED", result.ToString());
        Assert.True(JvpCheck.Check(t => t[0] * t[0], [x]).Passed);
    }

    [Fact]
    public void EveryOutputElementAndEveryInputTakePart()
    {
        // A tangent that ignored the second input, or an output element, would fail: the check compares J·v for all of them.
        var a = Tensor.Normal([3, 4], 0, 1, new Generator(1), DType.Float64);
        var b = Tensor.Normal([4], 0, 1, new Generator(2), DType.Float64);
        var dropsB = JvpCheck.Check(t => t[0] * t[1].Detach(), [a, b]);
        Assert.False(dropsB.Passed, dropsB.ToString());
        Assert.True(JvpCheck.Check(t => t[0] * t[1], [a, b]).Passed);
    }

    private sealed class WrongRecordedSquare : Node
    {
        public override string Name => "wrong_square";

        public static Tensor Apply(Tensor x)
        {
            Tensor y;
            using (Backprop.Autograd.NoGrad()) y = x * x;
            return Record(y, new WrongRecordedSquare(), x);
        }

        internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = g * InputArray[0] * 2.0;

        internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => dx[0] = g * Input(0) * 3.0;
    }
}
