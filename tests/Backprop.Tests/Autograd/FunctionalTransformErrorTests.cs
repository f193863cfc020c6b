namespace Backprop.Tests.Autograd;

/// <summary>
/// Misuse of the function transforms is a clear exception naming the transform and the shapes: a non-scalar function
/// given to Grad, an input the output does not depend on, a second backward through a graph built without createGraph,
/// Vmap over an axis that does not exist or of mismatched sizes, tangents and cotangents of the wrong shape.
/// </summary>
public class FunctionalTransformErrorTests
{
    private static Tensor V(params double[] values) => Tensor.FromArray(values, values.Length);

    [Fact]
    public void GradOfANonScalarFunctionNamesTheShapeAndTheAlternatives()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Functional.Grad(t => t * 2.0)(V(1, 2, 3)));
        Assert.Equal("Functional.Grad: the function returned shape [3]; Grad needs a one-element (scalar) output — " +
                     "use Vjp with a cotangent of that shape, or JacRev/JacFwd, for a function with several outputs", e.Message);
        Assert.Contains("Functional.ValueAndGrad: the function returned shape [2, 2]",
            Assert.Throws<InvalidOperationException>(() => Functional.ValueAndGrad(t => t.Reshape(2, 2))(V(1, 2, 3, 4))).Message);
        Assert.StartsWith("Functional.Hvp: the function returned shape",
            Assert.Throws<InvalidOperationException>(() => Functional.Hvp(t => t, V(1, 2), V(1, 1))).Message);
        Assert.StartsWith("Functional.Hessian: the function returned shape",
            Assert.Throws<InvalidOperationException>(() => Functional.Hessian(t => t.Exp())(V(1, 2))).Message);
    }

    [Fact]
    public void AnInputTheOutputDoesNotDependOnIsAnErrorUnlessAllowed()
    {
        Func<Tensor[], Tensor> f = x => (x[0] * 2.0).Sum();
        var a = V(1, 2);
        var b = Tensor.Zeros([2, 3], DType.Float64);
        var e = Assert.Throws<InvalidOperationException>(() => Functional.Grad(f)([a, b]));
        Assert.Equal("Functional.Grad: the output [] does not depend on input 1 [2, 3] (no gradient reaches it); " +
                     "pass allowUnused: true for a zero derivative instead", e.Message);
        var grads = Functional.Grad(f, allowUnused: true)([a, b]);
        Assert.Equal(new double[6], grads[1].ToDoubleArray());
        Assert.Equal([2, 3], grads[1].ShapeArray);

        // A constant function: the output is in no graph at all.
        var c = Assert.Throws<InvalidOperationException>(() => Functional.Grad((Tensor _) => Tensor.Scalar(1.0))(V(1)));
        Assert.Contains("Functional.Grad: the output [] does not depend on input 0 [1] (it is not part of any graph", c.Message);
        // Forward mode: f does not use its second input, so its tangent is ignored only when allowed.
        Assert.Contains("Functional.Jvp: the output [2] does not depend on input 1 [2, 3]",
            Assert.Throws<InvalidOperationException>(() => Functional.Jvp(x => x[0] * 2.0, [a, b], [a, b])).Message);
        var (_, tangent) = Functional.Jvp(x => x[0] * 2.0, [a, b], [a, b], allowUnused: true);
        Assert.Equal(new[] { 2.0, 4 }, tangent.ToDoubleArray());
        // Grad of Grad of a linear function: the inner gradient is a constant.
        Assert.Contains("Functional.Grad: the output [] does not depend on input 0 [1]",
            Assert.Throws<InvalidOperationException>(() => Functional.Grad(t => Functional.Grad(u => (u * 3.0).Sum())(t).Sum())(V(2))).Message);
        Assert.Equal(0.0, Functional.Grad(t => Functional.Grad(u => (u * 3.0).Sum())(t).Sum(), allowUnused: true)(V(2)).Item());
    }

    [Fact]
    public void ASecondBackwardThroughAGraphBuiltWithoutCreateGraphIsRefused()
    {
        var x = V(1, 2);
        x.RequiresGrad = true;
        var y = (x * x * x).Sum();
        y.Backward();
        // The gradient of an ordinary pass is a number, not a graph.
        var notAGraph = Assert.Throws<InvalidOperationException>(() => Backprop.Autograd.Grad(x.Grad!.Sum(), x));
        Assert.Contains("does not require a gradient and has no grad_fn", notAGraph.Message);
        Assert.Contains("a gradient computed without createGraph: true", notAGraph.Message);
        // And the pass released its saved values.
        var released = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("a second time", released.Message);
        Assert.Contains("retainGraph: true", released.Message);
        // Inside a transform, an inner derivative taken without createGraph leaves the outer one nothing to differentiate.
        var inner = Assert.Throws<InvalidOperationException>(() =>
            Functional.Grad(t => Backprop.Autograd.Grad((t * t * t).Sum(), t)!.Sum())(V(1.5)));
        Assert.Contains("Functional.Grad: the output [] does not depend on input 0 [1] (it is not part of any graph", inner.Message);
        Assert.Contains("a gradient computed without createGraph: true", inner.Message);
    }

    [Fact]
    public void VmapOverMismatchedBatchSizesNamesBothInputs()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            Functional.Vmap(x => x[0] + x[1], inDims: [0, 1])([Tensor.Zeros(4, 3), Tensor.Zeros(3, 5)]));
        Assert.StartsWith("Functional.Vmap: input 1 [3, 5] has size 5 along its batch axis 1, but input 0 [4, 3] has size 4 along axis 0; " +
                          "every mapped input needs the same batch size", e.Message);
    }

    [Fact]
    public void VmapOverAnAxisThatDoesNotExist()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.Vmap(t => t.Sum(), inDim: 2)(Tensor.Zeros(4, 3)));
        Assert.StartsWith("Functional.Vmap: inDims[0] is 2, but input 0 has shape [4, 3] (rank 2), which has no such axis",
            e.Message);
        Assert.StartsWith("Functional.Vmap: 1 inDims for 2 inputs",
            Assert.Throws<ArgumentException>(() => Functional.Vmap(x => x[0], inDims: [0])([Tensor.Zeros(2), Tensor.Zeros(2)])).Message);
        Assert.StartsWith("Functional.Vmap: no input is mapped",
            Assert.Throws<ArgumentException>(() => Functional.Vmap(x => x[0], inDims: [null])([Tensor.Zeros(2)])).Message);
        Assert.StartsWith("Functional.Vmap: input 0 [0, 3] has size 0 along its batch axis 0",
            Assert.Throws<ArgumentException>(() => Functional.Vmap(t => t)(Tensor.Zeros(0, 3))).Message);
        Assert.StartsWith("Functional.Vmap: outDims[0] is 3, but output 0 [3] with the batch axis has rank 2",
            Assert.Throws<ArgumentException>(() => Functional.Vmap(t => t, outDim: 3)(Tensor.Zeros(2, 3))).Message);
    }

    [Fact]
    public void VmapOfAFunctionWhoseShapeDependsOnTheExample()
    {
        var x = Tensor.FromArray(new double[,] { { 1, -1, 2 }, { -1, -1, 3 } });
        // The number of positive elements differs between the two rows.
        var e = Assert.Throws<InvalidOperationException>(() =>
            Functional.Vmap(r => Tensor.FromArray(r.ToDoubleArray().Where(v => v > 0).ToArray()))(x));
        Assert.Equal("Functional.Vmap: for example 1 the function returned [1], for example 0 [2]; every example must give the same shapes", e.Message);
    }

    [Fact]
    public void TangentsCotangentsAndPositionsOfTheWrongShapeOrCount()
    {
        var x = V(1, 2, 3);
        Assert.Equal("Functional.Jvp: tangent 0 has shape [2], but input 0 has shape [3]; they must match (Parameter 'v')",
            Assert.Throws<ArgumentException>(() => Functional.Jvp(t => t.Exp(), x, V(1, 2))).Message);
        Assert.StartsWith("Functional.Hvp: vector 0 has shape [4], but input 0 has shape [3]",
            Assert.Throws<ArgumentException>(() => Functional.Hvp(t => t.Exp().Sum(), x, V(1, 2, 3, 4))).Message);
        var (_, vjp) = Functional.Vjp(t => t.Exp(), x);
        Assert.StartsWith("Functional.Vjp: the cotangent has shape [2], but the function's output has shape [3]",
            Assert.Throws<ArgumentException>(() => vjp(V(1, 2))).Message);
        Assert.StartsWith("Functional.Grad: withRespectTo names input 2, but the function was given 2 inputs",
            Assert.Throws<ArgumentException>(() => Functional.Grad(t => t[0].Sum(), withRespectTo: [2])([x, x])).Message);
        Assert.StartsWith("Functional.Grad: input 1 [1] is int32; only floating-point inputs can be differentiated",
            Assert.Throws<ArgumentException>(() => Functional.Grad(t => t[0].Sum(), withRespectTo: [0, 1])([x, Tensor.FromArray(new[] { 1 }, 1)])).Message);
    }

    [Fact]
    public void ForwardModeThroughAnOperatorWithoutADifferentiableRuleRefusesNamingBoth()
    {
        var e = Assert.Throws<NotSupportedException>(() => Functional.Jvp(t => OrdinaryOnly.Apply(t), V(1, 2), V(1, 1)));
        Assert.StartsWith("Functional.Jvp: forward mode (the double-VJP construction) differentiates the backward pass, and double backward through 'ordinary_only' is not supported yet", e.Message);
        Assert.StartsWith("Functional.Hvp: a Hessian-vector product differentiates the backward pass, and double backward through 'ordinary_only'",
            Assert.Throws<NotSupportedException>(() => Functional.Hvp(t => OrdinaryOnly.Apply(t).Sum(), V(1, 2), V(1, 1))).Message);
        // First order needs no such rule.
        Assert.Equal(new[] { 2.0, 4 }, Functional.Grad(t => OrdinaryOnly.Apply(t).Sum())(V(1, 2)).ToDoubleArray());
    }

    private sealed class OrdinaryOnly : Node
    {
        public override string Name => "ordinary_only";

        public static Tensor Apply(Tensor x)
        {
            Tensor y;
            using (Backprop.Autograd.NoGrad()) y = x * x;
            return Record(y, new OrdinaryOnly(), x);
        }

        internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = g * InputArray[0] * 2.0;
    }
}
