namespace Backprop.Tests.Autograd;

/// <summary>
/// The backward pass itself: order, accumulation, graph release, gradients of non-leaves, detaching, and the tie
/// conventions of the max gates. Expected gradients are hand derivations stated in each test.
/// </summary>
public class BackwardEngineTests
{
    private static Tensor Leaf(double v) => Tensor.Scalar(v, requiresGrad: true);

    [Fact]
    public void AMillionNodeChainBackPropagatesWithoutStackOverflow()
    {
        // y = x + 1e-6, one million times: dy/dx = 1·1·…·1 = 1. A recursive walk would overflow the stack long before.
        var x = Leaf(0);
        var y = x;
        for (int i = 0; i < 1_000_000; i++) y = y + 1e-6;
        Assert.Equal(1.0, y.Item(), 6);
        y.Backward();
        Assert.Equal(1.0, x.Grad!.Item());
    }

    [Fact]
    public void SharedInputsSumTheirGradients()
    {
        // b = a + a, c = b + b = 4a: dc/da = 4 (each use of a value adds its gradient).
        var a = Leaf(3);
        var b = a + a;
        var c = b + b;
        c.Backward();
        Assert.Equal(4, a.Grad!.Item());

        // A diamond: d = a·a + a = a² + a, dd/da = 2a + 1 = 7 at a = 3.
        var a2 = Leaf(3);
        (a2 * a2 + a2).Backward();
        Assert.Equal(7, a2.Grad!.Item());
    }

    [Fact]
    public void GradAccumulatesAcrossBackwardCallsUntilZeroGrad()
    {
        // Two separate graphs of y = 3a: the gradient 3 is added each time, 3 then 6; ZeroGrad resets to 0, then 3 again.
        var a = Leaf(2);
        (a * 3.0).Backward();
        Assert.Equal(3, a.Grad!.Item());
        (a * 3.0).Backward();
        Assert.Equal(6, a.Grad!.Item());
        var buffer = a.Grad;
        a.ZeroGrad();
        Assert.Equal(0, a.Grad!.Item());
        Assert.Same(buffer, a.Grad); // the buffer is reused, not reallocated
        (a * 3.0).Backward();
        Assert.Equal(3, a.Grad!.Item());
    }

    [Fact]
    public void BackwardTwiceThroughAReleasedGraphThrowsNamingTheOperatorAndRetainGraph()
    {
        var a = Leaf(2);
        var y = (a * a).Exp();
        y.Backward();
        Assert.True(y.GradFn!.IsReleased);
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("'exp'", e.Message);
        Assert.Contains("retainGraph", e.Message);
        Assert.Contains("second time", e.Message);
    }

    [Fact]
    public void BackwardTwiceWorksWithRetainGraph()
    {
        // y = e^(a²): dy/da = 2a·e^(a²) = 4e⁴ at a = 2; twice accumulated: 8e⁴.
        var a = Leaf(2);
        var y = (a * a).Exp();
        y.Backward(retainGraph: true);
        Assert.False(y.GradFn!.IsReleased);
        Assert.Equal(4 * Math.Exp(4), a.Grad!.Item(), 10);
        y.Backward();
        Assert.Equal(8 * Math.Exp(4), a.Grad!.Item(), 10);
        Assert.True(y.GradFn!.IsReleased);
    }

    [Fact]
    public void AFailedBackwardLeavesNoStaleGradientBehind()
    {
        // z = 4b + y where y's graph was already released: the pass fails at y after 4b has received its gradient.
        // A later backward through 4b alone must give ∂(4b·1)/∂b = 4 — not 4 plus the failed pass's leftovers (8).
        var a = Leaf(2);
        var b = Leaf(3);
        var y = a * 1.0;
        y.Backward();
        var b4 = b * 4.0;
        var z = b4 + y;
        Assert.Throws<InvalidOperationException>(() => z.Backward());
        (b4 * 1.0).Backward();
        Assert.Equal(4, b.Grad!.Item());
    }

    [Fact]
    public void SavedValuesAreReleasedAfterBackward()
    {
        var a = Tensor.FromArray(new[] { 1.0, 2 });
        a.RequiresGrad = true;
        var m = a * a;
        var s = m.Sum();
        Assert.False(m.GradFn!.IsReleased);
        Assert.False(s.GradFn!.IsReleased);
        s.Backward();
        Assert.True(m.GradFn!.IsReleased);
        Assert.True(s.GradFn!.IsReleased);
        // The node of a released graph refuses to compute its local gradient again, with the same clear message.
        var e = Assert.Throws<InvalidOperationException>(() => m.GradFn!.InputGradients(Tensor.Ones([2], DType.Float64)));
        Assert.Contains("'mul'", e.Message);
        Assert.Contains("retainGraph", e.Message);
    }

    [Fact]
    public void BackwardOnANonScalarWithoutGradientThrowsNamingTheShape()
    {
        var a = Tensor.Ones([2, 3], DType.Float64, requiresGrad: true);
        var y = a * 2.0;
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("explicit gradient", e.Message);
    }

    [Fact]
    public void BackwardWithAnExplicitGradient()
    {
        // y = 2a, upstream g: ∂/∂a = 2g.
        var a = Tensor.Ones([2, 3], DType.Float64, requiresGrad: true);
        var y = a * 2.0;
        y.Backward(Tensor.FromArray(new[] { 1.0, 2, 3, 4, 5, 6 }, 2, 3));
        Assert.Equal(new[] { 2.0, 4, 6, 8, 10, 12 }, a.Grad!.ToDoubleArray());

        // A float32 gradient for a float64 output is converted.
        var b = Tensor.Ones([2], DType.Float64, requiresGrad: true);
        (b * 3.0).Backward(Tensor.FromArray(new[] { 1f, -1f }));
        Assert.Equal(DType.Float64, b.Grad!.DType);
        Assert.Equal(new[] { 3.0, -3 }, b.Grad.ToDoubleArray());
    }

    [Fact]
    public void BackwardWithAGradientOfTheWrongShapeThrows()
    {
        var a = Tensor.Ones([2, 3], DType.Float64, requiresGrad: true);
        var e = Assert.Throws<ArgumentException>(() => (a * 2.0).Backward(Tensor.Ones([3, 2], DType.Float64)));
        Assert.Contains("[3, 2]", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Null(a.Grad);
    }

    [Fact]
    public void BackwardOnATensorThatDoesNotRequireGradThrows()
    {
        var e = Assert.Throws<InvalidOperationException>(() => (Tensor.Scalar(1.0) * 2.0).Backward());
        Assert.Contains("does not require a gradient", e.Message);
    }

    [Fact]
    public void IntermediateTensorsKeepGradOnlyWithRetainGrad()
    {
        // y = (2a)·(3a) = 6a²; at a = 1: ∂y/∂u = v = 3 for u = 2a, ∂y/∂v = u = 2; dy/da = 12a = 12.
        var a = Leaf(1);
        var u = a * 2.0;
        var v = (a * 3.0).RetainGrad();
        var y = u * v;
        y.Backward();
        Assert.Null(u.Grad);
        Assert.False(u.RetainsGrad);
        Assert.True(v.RetainsGrad);
        Assert.Equal(2, v.Grad!.Item());
        Assert.Equal(12, a.Grad!.Item());
        Assert.True(a.IsLeaf);
        Assert.False(u.IsLeaf);
    }

    [Fact]
    public void DetachStopsTheGradient()
    {
        // y = a · detach(a): only the first factor is seen, dy/da = detach(a) = 5 (not 2a = 10).
        var a = Leaf(5);
        var d = a.Detach();
        Assert.False(d.RequiresGrad);
        Assert.Null(d.GradFn);
        (a * d).Backward();
        Assert.Equal(5, a.Grad!.Item());
        Assert.Null(d.Grad);

        // The detached tensor shares storage with the original.
        var t = Tensor.FromArray(new[] { 1.0, 2 });
        var td = t.Detach();
        td[0] = 9;
        Assert.Equal(9, t[0]);
    }

    [Fact]
    public void ATensorNotRequiringGradGetsNoGrad()
    {
        // y = a·c with c a constant: dy/da = c = 4, and c gets nothing.
        var a = Leaf(3);
        var c = Tensor.Scalar(4.0);
        var y = a * c;
        Assert.True(y.RequiresGrad);
        y.Backward();
        Assert.Equal(4, a.Grad!.Item());
        Assert.Null(c.Grad);

        var k = Tensor.Scalar(1.0);
        var z = k * 2.0;
        Assert.False(z.RequiresGrad);
        Assert.Null(z.GradFn);
    }

    [Fact]
    public void RequiresGradCannotBeSetOnIntegersOrTurnedOffOnResults()
    {
        var i = Tensor.FromArray(new[] { 1, 2 });
        Assert.Throws<InvalidOperationException>(() => i.RequiresGrad = true);
        var y = Leaf(1) * 2.0;
        var e = Assert.Throws<InvalidOperationException>(() => y.RequiresGrad = false);
        Assert.Contains("Detach", e.Message);
    }

    [Fact]
    public void MaximumTiesSplitTheGradientHalfAndHalf()
    {
        // max(a, b) at a = b = 2: the gate sends ½ to each (PyTorch's convention for maximum and minimum).
        var a = Leaf(2);
        var b = Leaf(2);
        a.Maximum(b).Backward();
        Assert.Equal(0.5, a.Grad!.Item());
        Assert.Equal(0.5, b.Grad!.Item());

        var c = Leaf(2);
        var d = Leaf(2);
        c.Minimum(d).Backward();
        Assert.Equal(0.5, c.Grad!.Item());
        Assert.Equal(0.5, d.Grad!.Item());

        // Without a tie, the winner takes all: max(3, 1) → 1 to the 3, 0 to the 1.
        var e = Leaf(3);
        var f = Leaf(1);
        e.Maximum(f).Backward();
        Assert.Equal(1, e.Grad!.Item());
        Assert.Equal(0, f.Grad!.Item());

        // Against a constant: max(x, 2) at x = 2 → ½; at x = 3 → 1; at x = 1 → 0.
        var x = Tensor.FromArray(new[] { 2.0, 3, 1 });
        x.RequiresGrad = true;
        x.Maximum(2.0).Sum().Backward();
        Assert.Equal(new[] { 0.5, 1, 0 }, x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void ReductionMaxTiesSendTheGradientToTheFirstMaximum()
    {
        // max over [1, 5, 5, 2]: the whole gradient goes to index 1, the first 5 (the same element ArgMax names).
        var x = Tensor.FromArray(new[] { 1.0, 5, 5, 2 });
        x.RequiresGrad = true;
        x.Max().Backward();
        Assert.Equal(new[] { 0.0, 1, 0, 0 }, x.Grad!.ToDoubleArray());
        Assert.Equal(1, x.ArgMax().Item());

        // Along an axis (column-wise, inner stride > 1): columns [3,3], [1,4], [2,2] → rows 0, 1, 0.
        var m = Tensor.FromArray(new[] { 3.0, 1, 2, 3, 4, 2 }, 2, 3);
        m.RequiresGrad = true;
        m.Max(0).Sum().Backward();
        Assert.Equal(new[] { 1.0, 0, 1, 0, 1, 0 }, m.Grad!.ToDoubleArray());

        // Min likewise: row [2, 1, 1] → index 1.
        var n = Tensor.FromArray(new[] { 2.0, 1, 1 });
        n.RequiresGrad = true;
        n.Min().Backward();
        Assert.Equal(new[] { 0.0, 1, 0 }, n.Grad!.ToDoubleArray());
    }

    [Fact]
    public void LeafGradientIsAPrivateCopy()
    {
        // The engine must not hand out the caller's gradient tensor (or a view of another gradient) as Grad.
        var a = Tensor.Ones([2], DType.Float64, requiresGrad: true);
        var upstream = Tensor.FromArray(new[] { 1.0, 2 });
        a.Clone().Backward(upstream); // copy passes the upstream gradient through unchanged
        Assert.NotSame(upstream, a.Grad);
        a.ZeroGrad();
        Assert.Equal(new[] { 1.0, 2 }, upstream.ToDoubleArray());

        // The gradient of Σ is a stride-0 broadcast view; accumulating into it must still give each element its own slot.
        var b = Tensor.Zeros([3], DType.Float64, requiresGrad: true);
        b.Sum().Backward();
        (b * Tensor.FromArray(new[] { 1.0, 2, 3 })).Sum().Backward();
        Assert.Equal(new[] { 2.0, 3, 4 }, b.Grad!.ToDoubleArray());
    }

    [Fact]
    public void ObserverSeesEveryStepInReverseTopologicalOrder()
    {
        var a = Leaf(2);
        var b = Leaf(3);
        var y = (a * b + a).Exp();
        var seen = new RecordingObserver();
        y.Backward(seen);
        Assert.Equal(["exp", "add", "mul"], seen.Steps);
        Assert.Equal(2, seen.Leaves);
    }

    private sealed class RecordingObserver : IBackwardObserver
    {
        public List<string> Steps { get; } = [];
        public int Leaves { get; private set; }
        public void OnStep(Tensor output, Node node, Tensor upstream, ReadOnlySpan<Tensor?> inputGradients) => Steps.Add(node.Name);
        public void OnLeaf(Tensor leaf, Tensor gradient) => Leaves++;
    }
}
