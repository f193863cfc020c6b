namespace Backprop;

// Reverse mode: the gradient of a scalar function, with its value, and the vector-Jacobian product of any function.
public static partial class Functional
{
    /// <summary>
    /// The gradient of a scalar function: <c>Grad(f)(x)</c> is ∂f/∂x, of x's shape (the role of <c>torch.func.grad</c>).
    /// </summary>
    /// <param name="f">A function with a one-element output.</param>
    /// <param name="allowUnused">A zero gradient, instead of an error, when f does not depend on x.</param>
    public static Func<Tensor, Tensor> Grad(Func<Tensor, Tensor> f, bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(f);
        var grad = Grad(x => f(x[0]), [0], allowUnused);
        return x => grad([x])[0];
    }

    /// <summary>
    /// The gradients of a scalar function of several inputs with respect to those listed in
    /// <paramref name="withRespectTo"/> (all of them when null), in that order: JAX's <c>argnums</c>. The other inputs
    /// (data, integer labels) are passed through unchanged.
    /// </summary>
    public static Func<Tensor[], Tensor[]> Grad(Func<Tensor[], Tensor> f, int[]? withRespectTo = null, bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(f);
        var valueAndGrad = ValueAndGrad(f, withRespectTo, allowUnused, "Grad");
        return x => valueAndGrad(x).Gradients;
    }

    /// <summary>The value and the gradient of a scalar function in one evaluation (<c>torch.func.grad_and_value</c>, JAX's <c>value_and_grad</c>).</summary>
    public static Func<Tensor, (Tensor Value, Tensor Gradient)> ValueAndGrad(Func<Tensor, Tensor> f, bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(f);
        var valueAndGrad = ValueAndGrad(x => f(x[0]), [0], allowUnused, "ValueAndGrad");
        return x =>
        {
            var (value, gradients) = valueAndGrad([x]);
            return (value, gradients[0]);
        };
    }

    /// <summary>The value and the gradients of a scalar function of several inputs; see <see cref="Grad(Func{Tensor[], Tensor}, int[], bool)"/>.</summary>
    public static Func<Tensor[], (Tensor Value, Tensor[] Gradients)> ValueAndGrad(Func<Tensor[], Tensor> f, int[]? withRespectTo = null,
        bool allowUnused = false) => ValueAndGrad(f, withRespectTo, allowUnused, "ValueAndGrad");

    private static Func<Tensor[], (Tensor Value, Tensor[] Gradients)> ValueAndGrad(Func<Tensor[], Tensor> f, int[]? withRespectTo,
        bool allowUnused, string transform)
    {
        ArgumentNullException.ThrowIfNull(f);
        return x =>
        {
            CheckArguments(transform, x);
            var positions = Positions(transform, withRespectTo, x.Length);
            bool createGraph = Differentiable(x);
            var (arguments, owned) = OwnArguments(transform, x, positions, createGraph);
            var y = CheckScalar(transform, CheckOutput(transform, Inside(() => f(arguments))));
            var gradients = Gradients(transform, y, owned, positions, null, createGraph, retainGraph: createGraph, allowUnused);
            return (createGraph ? y : y.Detach(), gradients);
        };
    }

    /// <summary>
    /// f(x) and its vector-Jacobian product: <c>vjp(u)</c> is uᵀ·∂f/∂x (of x's shape) for a cotangent u of f(x)'s shape
    /// (<c>torch.func.vjp</c>). f runs once; <c>vjp</c> can be called many times.
    /// </summary>
    public static (Tensor Value, Func<Tensor, Tensor> VjpFn) Vjp(Func<Tensor, Tensor> f, Tensor x, bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(f);
        var (value, vjp) = Vjp(t => f(t[0]), [x], allowUnused);
        return (value, u => vjp(u)[0]);
    }

    /// <summary>f(x₀, x₁, …) and its vector-Jacobian product with respect to every input: <c>vjp(u)</c> returns one tensor per input.</summary>
    public static (Tensor Value, Func<Tensor, Tensor[]> VjpFn) Vjp(Func<Tensor[], Tensor> f, Tensor[] x, bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(f);
        CheckArguments("Vjp", x);
        var positions = Positions("Vjp", null, x.Length);
        bool createGraph = Differentiable(x);
        var (arguments, owned) = OwnArguments("Vjp", x, positions, createGraph);
        var y = CheckOutput("Vjp", Inside(() => f(arguments)));
        Tensor[] VjpFn(Tensor u)
        {
            ArgumentNullException.ThrowIfNull(u);
            if (!Shapes.Equal(u.ShapeArray, y.ShapeArray))
                throw new ArgumentException(
                    $"Functional.Vjp: the cotangent has shape {Shapes.Format(u.ShapeArray)}, but the function's output has shape {Shapes.Format(y.ShapeArray)}; they must match",
                    nameof(u));
            // The graph is kept: the returned function may be called again with another cotangent.
            return Gradients("Vjp", y, owned, positions, u, createGraph || Differentiable(u), retainGraph: true, allowUnused);
        }
        return (createGraph ? y : y.Detach(), VjpFn);
    }
}
