namespace Backprop.Tests.Autograd;

/// <summary>
/// The function transforms against closed forms and against each other: Grad, ValueAndGrad, Vjp, Jvp, JacRev, JacFwd,
/// Hessian, Hvp and Vmap, and their compositions (Grad of Grad, JacFwd of JacRev, Vmap of Grad for per-example gradients).
/// </summary>
public class FunctionalTransformTests
{
    private static Tensor V(params double[] values) => Tensor.FromArray(values, values.Length);

    private static void Close(double[] expected, Tensor actual, double tolerance = 1e-12)
    {
        var a = actual.ToDoubleArray();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(expected[i] - a[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])),
                $"element {i}: expected {expected[i]:R}, got {a[i]:R}");
    }

    private static void Close(Tensor expected, Tensor actual, double tolerance = 1e-12)
    {
        Assert.Equal(expected.ShapeArray, actual.ShapeArray);
        Close(expected.ToDoubleArray(), actual, tolerance);
    }

    [Fact]
    public void GradOfACubeSumIsThreeSquares()
    {
        var x = V(1, -2, 0.5);
        var g = Functional.Grad(t => t.Pow(3).Sum())(x);
        Close([3, 12, 0.75], g);
        // At the top level on plain tensors nothing is left connected, and the caller's tensor is untouched.
        Assert.False(g.RequiresGrad);
        Assert.False(x.RequiresGrad);
        Assert.Null(x.Grad);
    }

    [Fact]
    public void ValueAndGradReturnBothFromOneEvaluation()
    {
        int calls = 0;
        var (value, gradient) = Functional.ValueAndGrad(t => { calls++; return (t * t).Sum(); })(V(1, 2));
        Assert.Equal(1, calls);
        Assert.Equal(5.0, value.Item());
        Close([2, 4], gradient);
    }

    [Fact]
    public void GradWithRespectToChosenInputsKeepsTheirOrderAndPassesTheRestThrough()
    {
        // f(a, b, labels) = Σ a²·b + cross-entropy of b against integer labels (never differentiated).
        Func<Tensor[], Tensor> f = x => (x[0] * x[0] * x[1]).Sum() + x[1].Reshape(1, 2).CrossEntropy(x[2]);
        var a = V(1, 3);
        var b = V(0.5, -1);
        var labels = Tensor.FromArray(new[] { 1 }, 1);
        var grads = Functional.Grad(f, withRespectTo: [1, 0])([a, b, labels]);
        var softmax = b.Softmax().ToDoubleArray();
        Close([1 + softmax[0], 9 + softmax[1] - 1], grads[0]); // ∂/∂b = a² + softmax(b) − onehot(1)
        Close([1, -6], grads[1]); // ∂/∂a = 2ab
    }

    [Fact]
    public void VjpIsTheTransposedJacobianTimesTheCotangentAndCanBeCalledAgain()
    {
        var a = Tensor.FromArray(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        int calls = 0;
        var (value, vjp) = Functional.Vjp(x => { calls++; return Tensor.MatMul(a, x).Tanh(); }, V(0.1, -0.2, 0.3));
        var u = V(1, -1);
        var expected = Tensor.MatMul(a.T, (1.0 - value * value) * u);
        Close(expected, vjp(u));
        Close(expected * 2.0, vjp(u * 2.0));
        Assert.Equal(1, calls);
    }

    [Fact]
    public void JvpIsTheDirectionalDerivative()
    {
        // f(x) = x·sin(x): f′ = sin x + x cos x, element-wise, so J·v = (sin x + x cos x)·v.
        var x = V(0.3, -1.2, 2);
        var v = V(1, 0.5, -2);
        var (value, tangent) = Functional.Jvp(t => t * t.Sin(), x, v);
        var xs = x.ToDoubleArray();
        var vs = v.ToDoubleArray();
        Close(xs.Select(e => e * Math.Sin(e)).ToArray(), value);
        Close(xs.Select((e, i) => (Math.Sin(e) + e * Math.Cos(e)) * vs[i]).ToArray(), tangent);
        Assert.False(tangent.RequiresGrad);
    }

    [Fact]
    public void JvpOfSeveralInputsSumsTheirTangents()
    {
        // f(a, b) = a·b + exp(a): J·(va, vb) = (b + exp a)·va + a·vb.
        var (a, b, va, vb) = (V(0.5, 1), V(2, -3), V(1, 1), V(0.25, -1));
        var (_, tangent) = Functional.Jvp(x => x[0] * x[1] + x[0].Exp(), [a, b], [va, vb]);
        Close([(2 + Math.Exp(0.5)) * 1 + 0.5 * 0.25, (-3 + Math.Exp(1)) * 1 + 1 * -1], tangent);
    }

    [Fact]
    public void JvpOfTheIdentityIsTheTangent()
    {
        var (_, tangent) = Functional.Jvp(t => t, V(1, 2), V(3, 4));
        Close([3, 4], tangent);
    }

    [Fact]
    public void JacRevAndJacFwdAgreeWithTheClosedForm()
    {
        // f(x) = tanh(W·x): J = diag(1 − tanh²(W·x))·W, shape [2] ++ [3].
        var w = Tensor.FromArray(new double[,] { { 0.5, -1, 2 }, { 1.5, 0.25, -0.5 } });
        Func<Tensor, Tensor> f = x => Tensor.MatMul(w, x).Tanh();
        var x = V(0.2, 0.4, -0.1);
        var y = f(x);
        var expected = (1.0 - y * y).Unsqueeze(1) * w;
        Close(expected, Functional.JacRev(f)(x));
        Close(expected, Functional.JacFwd(f)(x));
    }

    [Fact]
    public void JacobiansOfMatrixFunctionsHaveTheOutputThenTheInputShape()
    {
        var x = Tensor.Normal([2, 3], 0, 1, new Generator(7), DType.Float64);
        Func<Tensor, Tensor> f = t => t.Softmax(-1).T;
        var reverse = Functional.JacRev(f)(x);
        var forward = Functional.JacFwd(f)(x);
        Assert.Equal([3, 2, 2, 3], reverse.ShapeArray);
        Close(reverse, forward);
        // A scalar output gives the gradient's shape.
        Assert.Equal([2, 3], Functional.JacRev(t => t.Square().Sum())(x).ShapeArray);
    }

    [Fact]
    public void HessianOfACubicPolynomialIsItsClosedForm()
    {
        // f = x₀³ + x₀·x₁ + 2·x₁²·x₂: H = [[6x₀, 1, 0], [1, 4x₂, 4x₁], [0, 4x₁, 0]].
        Func<Tensor, Tensor> f = t =>
        {
            var (x0, x1, x2) = (t.Narrow(0, 0, 1), t.Narrow(0, 1, 1), t.Narrow(0, 2, 1));
            return (x0.Pow(3) + x0 * x1 + 2.0 * x1 * x1 * x2).Sum();
        };
        var x = V(0.5, -2, 3);
        var h = Functional.Hessian(f)(x);
        Assert.Equal([3, 3], h.ShapeArray);
        Close([3, 1, 0, 1, 12, -8, 0, -8, 0], h);
        Close(h, Functional.JacFwd(Functional.JacRev(f))(x));
        Close(h, Functional.JacRev(Functional.JacRev(f))(x));
        Close(h, Functional.JacRev(Functional.Grad(f))(x));
    }

    [Fact]
    public void HvpIsTheHessianTimesTheVector()
    {
        Func<Tensor, Tensor> f = t => (t.Sin() * t.Exp()).Sum() + (t * t).Sum().Sqrt();
        var x = V(0.3, -0.8, 1.1, 0.4);
        var v = V(1, -0.5, 0.25, 2);
        var (value, product) = Functional.Hvp(f, x, v);
        Assert.Equal(f(x).Item(), value.Item(), 14);
        Close(Tensor.MatMul(Functional.Hessian(f)(x), v), product);
        Assert.False(product.RequiresGrad);
    }

    [Fact]
    public void HvpOfSeveralInputsCoversTheCrossTerms()
    {
        // f(a, b) = Σ a²·b: H·(va, vb) = (2b·va + 2a·vb, 2a·va).
        var (a, b, va, vb) = (V(1, 2), V(3, -1), V(0.5, 1), V(2, -2));
        var (_, products) = Functional.Hvp(x => (x[0] * x[0] * x[1]).Sum(), [a, b], [va, vb]);
        Close([2 * 3 * 0.5 + 2 * 1 * 2, 2 * -1 * 1 + 2 * 2 * -2], products[0]);
        Close([2 * 1 * 0.5, 2 * 2 * 1], products[1]);
    }

    [Fact]
    public void GradOfGradIsTheSecondDerivative()
    {
        // f = x⁴ (a one-element x): f″ = 12x², f‴ = 24x.
        Func<Tensor, Tensor> f = t => t.Pow(4).Sum();
        var x = V(1.5);
        Close([12 * 1.5 * 1.5], Functional.Grad(t => Functional.Grad(f)(t).Sum())(x));
        Close([24 * 1.5], Functional.Grad(t => Functional.Grad(u => Functional.Grad(f)(u).Sum())(t).Sum())(x));
    }

    [Fact]
    public void TransformsOfACallersGraphStayDifferentiable()
    {
        // The input already requires a gradient: the transform's result is part of the caller's graph.
        var x = V(2, -1);
        x.RequiresGrad = true;
        var g = Functional.Grad(t => t.Pow(3).Sum())(x); // 3x²
        Assert.True(g.RequiresGrad);
        Close([12, -6], Backprop.Autograd.Grad(g.Sum(), x)!); // 6x
    }

    [Fact]
    public void TopLevelGradRunsTheOrdinaryBackwardSoEveryOperatorWorks()
    {
        // Conv1d has no differentiable backward rule, which only nesting needs: Grad on plain tensors uses the fused one.
        var x = Tensor.Normal([2, 3, 7], 0, 1, new Generator(16), DType.Float64);
        var w = Tensor.Normal([4, 3, 3], 0, 1, new Generator(17), DType.Float64);
        var g = Functional.Grad(t => Tensor.Conv1d(x, t, null).Square().Sum())(w);
        var leaf = w.Clone();
        leaf.RequiresGrad = true;
        Close(Backprop.Autograd.Grad(Tensor.Conv1d(x, leaf, null).Square().Sum(), leaf)!, g);
    }

    [Fact]
    public void AnOuterNoGradDoesNotReachInside()
    {
        using var _ = Backprop.Autograd.NoGrad();
        Close([4, 6], Functional.Grad(t => (t * t).Sum())(V(2, 3)));
    }

    // A per-example loss: a 3-4-2 tanh MLP on one example x [3] with its integer label [].
    private static Tensor ExampleLoss(Tensor[] p) =>
        Tensor.Linear(Tensor.Linear(p[4].Reshape(1, 3), p[0], p[1]).Tanh(), p[2], p[3]).CrossEntropy(p[5].Reshape(1));

    private static Tensor[] MlpParameters()
    {
        var gen = new Generator(11);
        return
        [
            Tensor.Normal([4, 3], 0, 1, gen, DType.Float64), Tensor.Normal([4], 0, 1, gen, DType.Float64),
            Tensor.Normal([2, 4], 0, 1, gen, DType.Float64), Tensor.Normal([2], 0, 1, gen, DType.Float64),
        ];
    }

    [Fact]
    public void VmapOfGradGivesPerExampleGradientsOfAnMlpInOneCall()
    {
        var parameters = MlpParameters();
        var x = Tensor.Normal([5, 3], 0, 1, new Generator(12), DType.Float64);
        var labels = Tensor.FromArray(new[] { 0, 1, 1, 0, 1 }, 5);
        var perExample = Functional.Vmap(Functional.Grad(ExampleLoss, withRespectTo: [0, 1, 2, 3]), inDims: [null, null, null, null, 0, 0])(
            [.. parameters, x, labels]);
        Assert.Equal(4, perExample.Length);
        Assert.Equal([5, 4, 3], perExample[0].ShapeArray);
        Assert.Equal([5, 2], perExample[3].ShapeArray);

        // Against the ordinary backward on each example alone.
        for (int b = 0; b < 5; b++)
        {
            var leaves = parameters.Select(p => { var c = p.Detach().Clone(); c.RequiresGrad = true; return c; }).ToArray();
            var loss = ExampleLoss([.. leaves, x.Narrow(0, b, 1).Reshape(3), labels.Narrow(0, b, 1).Reshape()]);
            var expected = Backprop.Autograd.Grad(loss, leaves);
            for (int k = 0; k < 4; k++) Close(expected[k]!, perExample[k].Narrow(0, b, 1).Squeeze(0));
        }
        // The mean of per-example gradients is the gradient of the mean loss.
        var batchLeaves = parameters.Select(p => { var c = p.Detach().Clone(); c.RequiresGrad = true; return c; }).ToArray();
        var mean = Tensor.Linear(Tensor.Linear(x, batchLeaves[0], batchLeaves[1]).Tanh(), batchLeaves[2], batchLeaves[3]).CrossEntropy(labels);
        var batchGrads = Backprop.Autograd.Grad(mean, batchLeaves);
        for (int k = 0; k < 4; k++) Close(batchGrads[k]!, perExample[k].Mean(0));
    }

    [Fact]
    public void VmapMapsAnyAxisAndStacksAlongTheChosenOne()
    {
        var x = Tensor.Normal([3, 4], 0, 1, new Generator(13), DType.Float64);
        // Over columns (axis 1) of x, the per-column softmax, stacked as columns again: softmax along axis 0.
        var columns = Functional.Vmap(t => t.Softmax(), inDim: 1, outDim: 1)(x);
        Close(x.Softmax(0), columns);
        var rows = Functional.Vmap(t => t.Softmax(), inDim: -2, outDim: -1)(x);
        Close(x.Softmax(-1).T, rows);
        // A shared (unmapped) input and a mapped one.
        var w = V(1, 2, 3);
        var dots = Functional.Vmap(t => (t[0] * t[1]).Sum(), inDims: [0, null])([Tensor.Normal([4, 3], 0, 1, new Generator(14), DType.Float64), w]);
        Assert.Equal([4], dots.ShapeArray);
    }

    [Fact]
    public void GradOfVmapAndVmapOfJvpCompose()
    {
        var x = Tensor.Normal([4, 3], 0, 1, new Generator(15), DType.Float64);
        // Σ over rows of the per-row squared norm: its gradient is 2x.
        Close(x * 2.0, Functional.Grad(t => Functional.Vmap(r => (r * r).Sum())(t).Sum())(x));
        // Per-row JVP of sin along ones: cos.
        var tangents = Functional.Vmap(r => Functional.Jvp(s => s.Sin(), r, Tensor.OnesLike(r)).Tangent)(x);
        Close(x.Cos(), tangents);
        // Per-row Hessian of Σ r³: diag(6r).
        var hessians = Functional.Vmap(Functional.Hessian(r => r.Pow(3).Sum()))(x);
        Assert.Equal([4, 3, 3], hessians.ShapeArray);
        Close((x * 6.0).Unsqueeze(2) * Tensor.Eye(3, dtype: DType.Float64), hessians);
    }

    [Fact]
    public void FloatInputsKeepTheirDtype()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f }, 2);
        var g = Functional.Grad(t => (t * t).Sum())(x);
        Assert.Equal(DType.Float32, g.DType);
        Close([2, 4], g, 1e-6);
        Assert.Equal(DType.Float32, Functional.JacFwd(t => t * t)(x).DType);
    }
}
