using Backprop.Ops;

namespace Backprop;

// Forward mode by the double-VJP construction, and the Hessian-vector product (reverse over reverse).
public static partial class Functional
{
    /// <summary>
    /// f(x) and the Jacobian-vector product ∂f/∂x · v (of f(x)'s shape): the derivative of f along the direction v
    /// (<c>torch.func.jvp</c>).
    /// </summary>
    /// <remarks>
    /// Computed by the double-VJP construction: the vector-Jacobian product u ↦ Jᵀu is recorded once (with a dummy
    /// cotangent u) and, being linear in u, differentiated with respect to u along v, which gives J·v exactly — the same
    /// products and sums forward mode would form, with no finite step. Every operator of f needs a differentiable
    /// backward rule; one without refuses with the double-backward error naming it. docs/architecture.md has the
    /// measurement behind this choice.
    /// </remarks>
    public static (Tensor Value, Tensor Tangent) Jvp(Func<Tensor, Tensor> f, Tensor x, Tensor v, bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(f);
        return Jvp(t => f(t[0]), [x], [v], allowUnused);
    }

    /// <summary>f(x₀, x₁, …) and Σᵢ ∂f/∂xᵢ · vᵢ, one tangent per input; see <see cref="Jvp(Func{Tensor, Tensor}, Tensor, Tensor, bool)"/>.</summary>
    public static (Tensor Value, Tensor Tangent) Jvp(Func<Tensor[], Tensor> f, Tensor[] x, Tensor[] v, bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(f);
        CheckArguments("Jvp", x);
        CheckTangents("Jvp", "tangent", x, v);
        var linearization = Linearize("Jvp", f, x, Differentiable([.. x, .. v]), allowUnused);
        return (linearization.Value, linearization.Apply(v));
    }

    /// <summary>
    /// f(x) and the Hessian-vector product H·v of a scalar function, H = ∂²f/∂x² (of x's shape), without forming H:
    /// the gradient of ⟨∂f/∂x, v⟩ (reverse over reverse, <c>torch.autograd.functional.hvp</c>).
    /// </summary>
    public static (Tensor Value, Tensor Product) Hvp(Func<Tensor, Tensor> f, Tensor x, Tensor v, bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(f);
        var (value, products) = Hvp(t => f(t[0]), [x], [v], allowUnused);
        return (value, products[0]);
    }

    /// <summary>
    /// f(x₀, x₁, …) and the Hessian-vector product over all inputs together: the blocks Σⱼ ∂²f/∂xᵢ∂xⱼ · vⱼ, one per input.
    /// </summary>
    public static (Tensor Value, Tensor[] Products) Hvp(Func<Tensor[], Tensor> f, Tensor[] x, Tensor[] v, bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(f);
        CheckArguments("Hvp", x);
        CheckTangents("Hvp", "vector", x, v);
        var positions = Positions("Hvp", null, x.Length);
        bool differentiable = Differentiable([.. x, .. v]);
        var (arguments, owned) = OwnArguments("Hvp", x, positions, differentiable);
        var y = CheckScalar("Hvp", CheckOutput("Hvp", Inside(() => f(arguments))));
        var gradients = NeedingRecordedRules("Hvp", "a Hessian-vector product",
            () => Gradients("Hvp", y, owned, positions, null, createGraph: true, retainGraph: true, allowUnused));
        // ⟨∂f/∂x, v⟩ over the gradients that depend on x (one constant in x, f linear in it, adds nothing).
        var terms = Enumerable.Range(0, gradients.Length).Where(i => gradients[i].RequiresGrad).ToArray();
        Tensor? dot = null;
        using (new RecordingScope(record: true))
        {
            var (a, b) = (terms.Select(i => gradients[i]).ToArray(), terms.Select(i => v[i]).ToArray());
            if (InnerProductOp.Accepts(a, b)) dot = InnerProductOp.Apply(a, b);
            else
                foreach (int i in terms)
                {
                    var term = (gradients[i] * v[i]).Sum();
                    dot = dot is null ? term : dot + term;
                }
        }
        Tensor[] products;
        if (dot is null)
        {
            if (!allowUnused)
                throw new InvalidOperationException(
                    $"Functional.Hvp: the gradient of the output does not depend on the inputs {string.Join(", ", x.Select(t => Shapes.Format(t.ShapeArray)))} " +
                    "(f is linear in them, so H = 0); pass allowUnused: true for a zero product instead");
            products = x.Select(Tensor.ZerosLike).ToArray();
        }
        else products = Gradients("Hvp", dot, owned, positions, null, differentiable, retainGraph: differentiable, allowUnused: true);
        return (differentiable ? y : y.Detach(), products);
    }

    /// <summary>
    /// Runs a backward pass that records the graph, naming the transform when an operator has no differentiable rule
    /// (the engine's error, which names the operator, follows).
    /// </summary>
    private static T NeedingRecordedRules<T>(string transform, string what, Func<T> run)
    {
        try
        {
            return run();
        }
        catch (NotSupportedException e)
        {
            throw new NotSupportedException($"Functional.{transform}: {what} differentiates the backward pass, and {e.Message}", e);
        }
    }

    /// <summary>
    /// f's value at x and its linearization v ↦ J·v: the vector-Jacobian product recorded once with a dummy cotangent,
    /// then differentiated in that cotangent once per call of <see cref="Linearization.Apply"/>.
    /// </summary>
    private static Linearization Linearize(string transform, Func<Tensor[], Tensor> f, Tensor[] x, bool differentiable, bool allowUnused)
    {
        var positions = Positions(transform, null, x.Length);
        var (arguments, owned) = OwnArguments(transform, x, positions, differentiable);
        var y = CheckOutput(transform, Inside(() => f(arguments)));
        // Jᵀu is linear in u, so u's value does not matter; zeros, as torch.autograd.functional.jvp uses.
        var u = Tensor.ZerosLike(y);
        // Inside a Vmap's batched evaluation each example has its own cotangent (a batch axis of stride 0).
        if (Batching.Innermost is not null) u = Batching.SpreadOverRunningLevels(u).Detach();
        u.RequiresGrad = true;
        var transposed = NeedingRecordedRules(transform, "forward mode (the double-VJP construction)",
            () => Gradients(transform, y, owned, positions, u, createGraph: true, retainGraph: true, allowUnused));
        return new Linearization(differentiable ? y : y.Detach(), u, transposed, differentiable);
    }

    /// <summary>The linear map v ↦ J·v of a function at a point, from its recorded vector-Jacobian product Jᵀu.</summary>
    private sealed class Linearization(Tensor value, Tensor cotangent, Tensor[] transposed, bool differentiable)
    {
        public Tensor Value => value;

        /// <summary>J·v = ∂⟨Jᵀu, v⟩/∂u; zero where Jᵀu does not depend on u (an input f does not use, with allowUnused).</summary>
        public Tensor Apply(Tensor[] v, bool retainGraph = false)
        {
            var outputs = new List<Tensor>();
            var directions = new List<Tensor?>();
            for (int i = 0; i < transposed.Length; i++)
            {
                if (!transposed[i].RequiresGrad) continue;
                outputs.Add(transposed[i]);
                directions.Add(v[i]);
            }
            if (outputs.Count == 0) return Tensor.ZerosLike(value);
            bool record = differentiable || v.Any(t => t.RequiresGrad);
            var tangent = Autograd.Grad(outputs.ToArray(), [cotangent], directions.ToArray(), record, retainGraph || record, allowUnused: true)[0];
            return tangent ?? Tensor.ZerosLike(value);
        }
    }
}
