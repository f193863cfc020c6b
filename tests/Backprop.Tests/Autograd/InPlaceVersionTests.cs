using Backprop.NN;
using Backprop.Optim;

namespace Backprop.Tests.Autograd;

/// <summary>
/// In-place writes to a tensor that a graph saved for backward are refused at Backward (PyTorch's version counter):
/// a gradient computed from overwritten values would be silently wrong. Expected gradients are hand-derived.
/// </summary>
public class InPlaceVersionTests
{
    private static Tensor Leaf(params double[] values)
    {
        var t = Tensor.FromArray(values, values.Length);
        t.RequiresGrad = true;
        return t;
    }

    [Fact]
    public void IndexerWriteAfterTheForwardPassIsRefused()
    {
        // d/dx Σx² = 2x = 4 at x0 = 2; after x[0] = 5 the saved x would give 10, silently.
        var x = Leaf(2, 3, 4);
        var y = (x * x).Sum();
        x[0] = 5;
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.StartsWith("mul: a tensor [3] float64 that this operator saved for its backward pass was modified in place afterwards (by the indexer)", e.Message);
        Assert.Contains("Clone()", e.Message);
        Assert.Null(x.Grad); // nothing accumulated from the failed pass
    }

    [Fact]
    public void WithoutAWriteTheGradientIsRight()
    {
        var x = Leaf(2, 3, 4);
        x[0] = 2; // before the forward pass: the graph sees the new value
        (x * x).Sum().Backward();
        Assert.Equal(new[] { 4.0, 6, 8 }, x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void WritesThroughAViewAreSeen()
    {
        // Detach shares storage, so Fill on the detached view writes the saved x.
        var x = Leaf(1, 2);
        var y = x.Exp().Sum() + (x * x).Sum();
        x.Detach().Fill(0);
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("(by Fill)", e.Message);
    }

    [Fact]
    public void CopyFromIntoASavedOutputIsRefused()
    {
        // exp saves its output; overwriting it changes the gradient e^x.
        var x = Leaf(0, 1);
        var e1 = x.Exp();
        var y = e1.Sum();
        e1.Detach().CopyFrom(Tensor.FromArray(new[] { 7.0, 7 }, 2));
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.StartsWith("exp: a tensor [2] float64", e.Message);
        Assert.Contains("(by CopyFrom)", e.Message);
    }

    [Fact]
    public void WritingAnInputThatIsNotSavedIsAllowed()
    {
        // add saves nothing, so its gradient (1) does not depend on x's values; PyTorch allows this too.
        var x = Leaf(1, 2);
        var y = (x + 1.0).Sum();
        x.Detach().Fill(9);
        y.Backward();
        Assert.Equal(new[] { 1.0, 1 }, x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void AnOptimizerStepBetweenForwardAndBackwardIsRefused()
    {
        var gen = new Generator(3);
        var model = new Linear(2, 1, gen, dtype: DType.Float64);
        var opt = new Sgd(model.Parameters(), 0.1);
        var x = Tensor.Randn([4, 2], gen, DType.Float64);
        model.Forward(x).Sum().Backward();
        var loss = model.Forward(x).Sum(); // saves the weight
        opt.Step();
        var e = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("(by Sgd.Step)", e.Message);
        Assert.Contains("[1, 2] float64", e.Message);
    }

    [Fact]
    public void ZeroGradBetweenForwardAndBackwardIsFine()
    {
        // A common loop order (forward, zero_grad, backward, step): gradients are not saved by the graph.
        var gen = new Generator(4);
        var model = new Linear(2, 1, gen, dtype: DType.Float64);
        var x = Tensor.FromArray(new[] { 1.0, 2, 3, 4 }, 2, 2);
        model.Forward(x).Sum().Backward();
        var loss = model.Forward(x).Sum();
        model.ZeroGrad();
        loss.Backward();
        // d/dW Σ(x·Wᵀ + b) = column sums of x = [4, 6]; d/db = batch size 2.
        Assert.Equal(new[] { 4.0, 6 }, model.Weight.Grad!.ToDoubleArray());
        Assert.Equal(new[] { 2.0 }, model.Bias!.Grad!.ToDoubleArray());
    }
}
