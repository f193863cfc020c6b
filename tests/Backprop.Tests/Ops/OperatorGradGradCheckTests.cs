using Backprop.Cli;

namespace Backprop.Tests.Ops;

/// <summary>
/// Second derivatives of every operator of <see cref="GradCheckSuite"/> against central differences of the ordinary
/// first derivative (<see cref="GradGradCheck"/>): every operator has a differentiable backward rule, and every case
/// must pass; a node without one refuses with the clear error, never returns a number.
/// </summary>
public class OperatorGradGradCheckTests
{
    [Theory]
    [MemberData(nameof(OperatorGradCheckTests.Cases), MemberType = typeof(OperatorGradCheckTests))]
    public void SecondDerivativeMatchesCentralDifferences(int index, string operatorAndShapes)
    {
        var c = GradCheckSuite.All[index];
        Assert.Equal($"{c.Operator} {c.Description}", operatorAndShapes);
        var result = c.RunSecondOrder();
        Assert.NotEmpty(result.Inputs);
        Assert.True(result.Passed, $"gradgradcheck failed for {operatorAndShapes}: {result}");
    }

    [Fact]
    public void AnOperatorWithoutARecordedRuleRefuses()
    {
        var x = Tensor.FromArray(new[] { 0.5, 1.5 }, 2);
        Assert.True(GradCheck.Check(t => FirstOrderOnlySquare.Apply(t[0]), [x]).Passed);
        var e = Assert.Throws<NotSupportedException>(() => GradGradCheck.Check(t => FirstOrderOnlySquare.Apply(t[0]), [x]));
        Assert.StartsWith("double backward through 'first_order_square' is not supported yet", e.Message);
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

    // x² with only the ordinary rule: the default RecordedBackward refuses.
    private sealed class FirstOrderOnlySquare : Node
    {
        public override string Name => "first_order_square";

        public static Tensor Apply(Tensor x)
        {
            Tensor y;
            using (Backprop.Autograd.NoGrad()) y = x * x;
            return Record(y, new FirstOrderOnlySquare(), x);
        }

        internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = g * InputArray[0] * 2.0;
    }
}
