namespace Backprop.Tests.Autograd;

/// <summary>Autograd.Grad and createGraph: the functional backward, gradients of gradients, and their errors.</summary>
public class DoubleBackwardTests
{
    private static Tensor Leaf(params double[] values)
    {
        var t = Tensor.FromArray(values, values.Length);
        t.RequiresGrad = true;
        return t;
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 12);
    }

    [Fact]
    public void GradReturnsTheGradientWithoutTouchingGrad()
    {
        var x = Leaf(1, 2, 3);
        var y = (x * x * x).Sum();
        var g = Backprop.Autograd.Grad(y, x)!;
        Assert.Equal(new[] { 3.0, 12, 27 }, g.ToDoubleArray());
        Assert.Null(x.Grad);
        Assert.Null(g.GradFn);
    }

    [Fact]
    public void CreateGraphGivesAGradientThatDifferentiatesAgain()
    {
        // y = Σ x³: ∂y/∂x = 3x², ∂²y/∂x² = 6x (diagonal), so the Hessian-vector product with v is 6x·v.
        var x = Leaf(1, -2, 0.5);
        var g = Backprop.Autograd.Grad((x * x * x).Sum(), x, createGraph: true)!;
        Assert.NotNull(g.GradFn);
        Assert.Equal(new[] { 3.0, 12, 0.75 }, g.ToDoubleArray());
        var v = Tensor.FromArray(new[] { 1.0, 0.5, -2 }, 3);
        var hv = Backprop.Autograd.Grad((g * v).Sum(), x)!;
        AssertClose([6.0, -6, -6], hv.ToDoubleArray());
    }

    [Fact]
    public void BackwardWithCreateGraphLeavesAGraphConnectedGrad()
    {
        var x = Leaf(2, 3);
        x.Pow(3).Sum().Backward(createGraph: true);
        var grad = x.Grad!;
        Assert.NotNull(grad.GradFn);
        Assert.Equal(new[] { 12.0, 27 }, grad.ToDoubleArray());
        // Differentiating the leaf's gradient again: Σ 3x² → 6x.
        var second = Backprop.Autograd.Grad(grad.Sum(), x)!;
        AssertClose([12.0, 18], second.ToDoubleArray());
    }

    [Fact]
    public void AccumulationIntoAGraphConnectedGradIsRecordedToo()
    {
        var x = Leaf(2);
        (x * x).Sum().Backward(createGraph: true);
        (x * x * x).Sum().Backward(createGraph: true);
        // grad = 2x + 3x² = 16; its derivative 2 + 6x = 14.
        Assert.Equal(16.0, x.Grad!.ToDoubleArray()[0], 12);
        Assert.Equal(14.0, Backprop.Autograd.Grad(x.Grad!.Sum(), x)!.ToDoubleArray()[0], 12);
    }

    [Fact]
    public void PerturbationConfusionIsAvoided()
    {
        // d/dx [x · d/dy (x + y)] = d/dx [x · 1] = 1 at every x (a shared tangent would give 2).
        foreach (double at in new[] { -1.5, 0.0, 3.0 })
        {
            var x = Tensor.Scalar(at, requiresGrad: true);
            var y = Tensor.Scalar(0.7, requiresGrad: true);
            var inner = Backprop.Autograd.Grad(x + y, y, createGraph: true)!;
            var outer = Backprop.Autograd.Grad(x * inner, x)!;
            Assert.Equal(1.0, outer.Item());
        }
    }

    [Fact]
    public void NestedGradientsOfTheSameVariable()
    {
        // d/dx [x · d/dx (x²)] = d/dx [2x²] = 4x; the inner derivative must be taken with the graph kept.
        var x = Tensor.Scalar(1.5, requiresGrad: true);
        var inner = Backprop.Autograd.Grad(x * x, x, createGraph: true)!;
        var outer = Backprop.Autograd.Grad(x * inner, x)!;
        Assert.Equal(6.0, outer.Item(), 12);
    }

    [Fact]
    public void GradientWithRespectToAnIntermediateAndSeveralOutputs()
    {
        var x = Leaf(1, 2);
        var h = x * 3.0;
        var a = (h * h).Sum();
        var b = h.Sum();
        var grads = Backprop.Autograd.Grad([a, b], [h, x]);
        Assert.Equal(new[] { 7.0, 13 }, grads[0]!.ToDoubleArray()); // 2h + 1
        Assert.Equal(new[] { 21.0, 39 }, grads[1]!.ToDoubleArray());
        Assert.Null(x.Grad);
    }

    [Fact]
    public void AnUnusedInputIsAnErrorUnlessAllowed()
    {
        var x = Leaf(1, 2);
        var z = Leaf(3);
        var y = (x * x).Sum();
        var e = Assert.Throws<InvalidOperationException>(() => Backprop.Autograd.Grad(y, [x, z], retainGraph: true));
        Assert.Contains("input 1 [1] appears not to have been used", e.Message);
        Assert.Contains("allowUnused", e.Message);
        var grads = Backprop.Autograd.Grad(y, [x, z], allowUnused: true);
        Assert.Equal(new[] { 2.0, 4 }, grads[0]!.ToDoubleArray());
        Assert.Null(grads[1]);
    }

    [Fact]
    public void BadArgumentsAreClearErrors()
    {
        var x = Leaf(1, 2);
        var y = x * 2.0;
        var nonScalar = Assert.Throws<InvalidOperationException>(() => Backprop.Autograd.Grad(y, x));
        Assert.Contains("Autograd.Grad: the output 0 has shape [2]", nonScalar.Message);
        var shape = Assert.Throws<ArgumentException>(() => Backprop.Autograd.Grad(y, x, Tensor.Ones([3], DType.Float64)));
        Assert.Contains("gradient shape [3] does not match the output 0 shape [2]", shape.Message);
        var constant = Tensor.FromArray(new[] { 1.0 }, 1);
        var input = Assert.Throws<InvalidOperationException>(() => Backprop.Autograd.Grad(y.Sum(), constant));
        Assert.Contains("input 0 [1] does not require a gradient", input.Message);
        var count = Assert.Throws<ArgumentException>(() => Backprop.Autograd.Grad([y.Sum()], [x], [null, null]));
        Assert.Contains("2 gradOutputs for 1 outputs", count.Message);
    }

    [Fact]
    public void DifferentiatingAGradientComputedWithoutCreateGraphIsAClearError()
    {
        var x = Leaf(1, 2);
        var g = Backprop.Autograd.Grad((x * x).Sum(), x)!;
        var e = Assert.Throws<InvalidOperationException>(() => Backprop.Autograd.Grad(g.Sum(), x));
        Assert.Contains("does not require a gradient", e.Message);
        Assert.Contains("createGraph: true", e.Message);
    }

    [Fact]
    public void AUserFunctionsBackwardIsRecordedAndDifferentiatesAgain()
    {
        // Σ x³ with the backward g·3x² from the saved input, and Σ eˣ with the backward g·y from the saved output:
        // second derivatives 6x and eˣ.
        var x = Leaf(0.5, -1.2, 2);
        var g = Backprop.Autograd.Grad(new Cube().Apply(x).Sum(), x, createGraph: true)!;
        Assert.NotNull(g.GradFn);
        AssertClose([0.75, 4.32, 12], g.ToDoubleArray());
        AssertClose([3, -7.2, 12], Backprop.Autograd.Grad(g.Sum(), x)!.ToDoubleArray());

        var e = Backprop.Autograd.Grad(new ExpSavingOutput().Apply(x).Sum(), x, createGraph: true)!;
        AssertClose(x.ToDoubleArray().Select(Math.Exp).ToArray(), Backprop.Autograd.Grad(e.Sum(), x)!.ToDoubleArray());
    }

    [Fact]
    public void AMultiOutputFunctionsBackwardIsRecordedToo()
    {
        // (sin x, cos x) as one function; Σ sin x · cos x = Σ ½ sin 2x has second derivative −2 sin 2x.
        var x = Leaf(0.3, -0.9, 1.4);
        var outputs = new SinCos().Apply(x);
        var g = Backprop.Autograd.Grad((outputs[0] * outputs[1]).Sum(), x, createGraph: true)!;
        AssertClose(x.ToDoubleArray().Select(v => Math.Cos(2 * v)).ToArray(), g.ToDoubleArray());
        AssertClose(x.ToDoubleArray().Select(v => -2 * Math.Sin(2 * v)).ToArray(), Backprop.Autograd.Grad(g.Sum(), x)!.ToDoubleArray());
    }

    [Fact]
    public void AOnceDifferentiableFunctionRefusesClearly()
    {
        var x = Leaf(0.5, 2);
        var y = new OnceDifferentiableCube().Apply(x).Sum();
        var e = Assert.Throws<NotSupportedException>(() => Backprop.Autograd.Grad(y, x, createGraph: true, retainGraph: true));
        Assert.StartsWith("double backward through 'OnceDifferentiableCube' is not supported: the function is marked once-differentiable (IsOnceDifferentiable is true)", e.Message);
        // Without createGraph the ordinary backward is unaffected.
        AssertClose([0.75, 12], Backprop.Autograd.Grad(y, x)!.ToDoubleArray());

        var pair = new OnceDifferentiableSinCos().Apply(x);
        var m = Assert.Throws<NotSupportedException>(() => Backprop.Autograd.Grad(pair[0].Sum(), x, createGraph: true));
        Assert.Contains("'OnceDifferentiableSinCos'", m.Message);
    }

    private class Cube : Function
    {
        protected internal override Tensor Forward(FunctionContext ctx, ReadOnlySpan<Tensor> inputs)
        {
            ctx.SaveForBackward(inputs[0]);
            return inputs[0] * inputs[0] * inputs[0];
        }

        protected internal override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput)
        {
            var x = ctx.SavedTensors[0];
            return [gradOutput * 3.0 * x * x];
        }
    }

    private sealed class OnceDifferentiableCube : Cube
    {
        public override bool IsOnceDifferentiable => true;
    }

    private sealed class ExpSavingOutput : Function
    {
        protected internal override Tensor Forward(FunctionContext ctx, ReadOnlySpan<Tensor> inputs)
        {
            var y = inputs[0].Exp();
            ctx.SaveForBackward(y);
            return y;
        }

        protected internal override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput) => [gradOutput * ctx.SavedTensors[0]];
    }

    private class SinCos : MultiOutputFunction
    {
        protected internal override Tensor[] Forward(FunctionContext ctx, ReadOnlySpan<Tensor> inputs)
        {
            ctx.SaveForBackward(inputs[0]);
            return [inputs[0].Sin(), inputs[0].Cos()];
        }

        protected internal override Tensor?[] Backward(FunctionContext ctx, ReadOnlySpan<Tensor?> gradOutputs)
        {
            var x = ctx.SavedTensors[0];
            return [gradOutputs[0]! * x.Cos() - gradOutputs[1]! * x.Sin()];
        }
    }

    private sealed class OnceDifferentiableSinCos : SinCos
    {
        public override bool IsOnceDifferentiable => true;
    }

    [Fact]
    public void AnExpandToItsOwnShapeKeepsTheGraph()
    {
        // The recorded gradient of a sum over a size-1 axis is an expand to the same shape; it once recorded a node on
        // its own input, cutting the gradient's graph (the second derivative in the upstream gradient came out 0).
        var t = Tensor.Normal([2, 4, 5], 0, 1, new Generator(8), DType.Float64);
        var result = GradGradCheck.Check(x => x[0].Reshape(2, 4, 1, 5).Sum([0, 2, 3]), [t]);
        Assert.True(result.Passed, result.ToString());

        var a = Leaf(1, -2, 3);
        var y = a * 2.0;
        var same = y.Expand(3);
        Assert.Same(y, same);
        (same * same).Sum().Backward();
        AssertClose([8, -16, 24], a.Grad!.ToDoubleArray());
    }

    [Fact]
    public void CreateGraphRecordsEvenInsideNoGrad()
    {
        var x = Leaf(2);
        var y = (x * x * x).Sum();
        Tensor g;
        using (Backprop.Autograd.NoGrad()) g = Backprop.Autograd.Grad(y, x, createGraph: true)!;
        Assert.NotNull(g.GradFn);
        Assert.Equal(12.0, Backprop.Autograd.Grad(g.Sum(), x)!.Item(), 12);
    }

    [Fact]
    public void TheOrdinaryBackwardIsUnchanged()
    {
        var x = Leaf(1, 2);
        (x * x).Sum().Backward();
        Assert.Equal(new[] { 2.0, 4 }, x.Grad!.ToDoubleArray());
        Assert.Null(x.Grad!.GradFn);
        (x * x).Sum().Backward();
        Assert.Equal(new[] { 4.0, 8 }, x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void GradientPenaltyDifferentiatesWithRespectToTheWeights()
    {
        // L = Σ tanh(W·x); P = ‖∂L/∂x‖², and ∂P/∂W against central differences of P (itself computed with Autograd.Grad).
        var x = Tensor.FromArray(new[] { 0.3, -0.8, 1.1 }, 3);
        x.RequiresGrad = true;
        double Penalty(Tensor w, bool differentiate, out Tensor? gradient)
        {
            var gx = Backprop.Autograd.Grad(Tensor.MatMul(w, x).Tanh().Sum(), x, createGraph: differentiate)!;
            var p = (gx * gx).Sum();
            gradient = differentiate ? Backprop.Autograd.Grad(p, w) : null;
            return p.Item();
        }
        var w0 = Tensor.Normal([2, 3], 0, 1, new Generator(5), DType.Float64);
        w0.RequiresGrad = true;
        Penalty(w0, true, out var analytic);
        var values = w0.ToDoubleArray();
        const double eps = 1e-6;
        for (int j = 0; j < values.Length; j++)
        {
            double Shifted(double by)
            {
                var shifted = (double[])values.Clone();
                shifted[j] += by;
                var w = Tensor.FromArray(shifted, 2, 3);
                w.RequiresGrad = true;
                return Penalty(w, false, out _);
            }
            double numeric = (Shifted(eps) - Shifted(-eps)) / (2 * eps);
            Assert.Equal(numeric, analytic!.ToDoubleArray()[j], 6);
        }
    }
}
