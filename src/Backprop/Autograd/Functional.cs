using Backprop.Ops;

namespace Backprop;

/// <summary>
/// Function transforms (the role of <c>torch.func</c> and JAX's <c>grad</c>/<c>jvp</c>/<c>vjp</c>/<c>vmap</c>): each
/// takes a function of tensors and returns a function (or a value) that computes one of its derivatives, and every
/// one composes with the others — <c>Grad(Grad(f))</c>, <c>JacFwd(JacRev(f))</c>, <c>Vmap(Grad(loss))</c>.
/// </summary>
/// <remarks>
/// Each call differentiates its own fresh copy of the inputs (a new graph node, not the caller's tensor), so nested
/// transforms never mix their perturbations: in d/dx [x · d/dy (x + y)] the inner derivative is taken with respect to
/// the inner copy of y only, and the answer is 1. A transform records the backward pass it runs (<c>createGraph</c>)
/// only when someone can differentiate its result again: when it runs inside another differentiating transform, or when
/// an input already requires a gradient; at the top level on plain tensors it runs the ordinary, fused backward.
/// The function must compute its result from its arguments (and constants); outside a transform's reach, tensors it
/// closes over are constants for that transform.
/// </remarks>
public static partial class Functional
{
    // How many differentiating transforms are running their function in this async flow: a transform that runs inside
    // another must leave its gradients differentiable (recorded), whatever its own inputs are.
    private static readonly AsyncLocal<int> Depth = new();

    /// <summary>Whether the result of a transform on these inputs may be differentiated again.</summary>
    private static bool Differentiable(params ReadOnlySpan<Tensor> inputs)
    {
        if (Depth.Value > 0) return true;
        foreach (var t in inputs)
            if (t.RequiresGrad)
                return true;
        return false;
    }

    /// <summary>
    /// The transform's own copy of an input, to differentiate with respect to: graph-connected to the caller's tensor
    /// when the result must stay differentiable in it, a fresh leaf otherwise.
    /// </summary>
    private static Tensor Own(string transform, Tensor x, int index, bool connected)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Batched is null) x.CheckAlive();
        if (!x.DType.IsFloatingPoint())
            throw new ArgumentException(
                $"Functional.{transform}: input {index} {Shapes.Format(x.ShapeArray)} is {x.DType.Name()}; only floating-point inputs can be differentiated");
        // Inside a Vmap's batched evaluation an input shared by the examples gets a batch axis first, so that its
        // gradient, too, is each example's own.
        if (Batching.Innermost is not null) x = Batching.SpreadOverRunningLevels(x);
        if (connected && x.RequiresGrad) return ReshapeOp.Apply(x, x.ShapeArray);
        var own = x.Detach();
        own.RequiresGrad = true;
        return own;
    }

    /// <summary>Runs the user's function one differentiation level deeper, with recording on (an outer NoGrad does not reach inside).</summary>
    private static T Inside<T>(Func<T> run)
    {
        Depth.Value++;
        try
        {
            using (new RecordingScope(record: true)) return run();
        }
        finally
        {
            Depth.Value--;
        }
    }

    private static Tensor CheckOutput(string transform, Tensor? y)
    {
        if (y is null) throw new InvalidOperationException($"Functional.{transform}: the function returned null");
        if (y.Batched is null) y.CheckAlive();
        if (!y.DType.IsFloatingPoint())
            throw new InvalidOperationException(
                $"Functional.{transform}: the function returned a {y.DType.Name()} tensor {Shapes.Format(y.ShapeArray)}; only a floating-point output can be differentiated");
        return y;
    }

    private static Tensor CheckScalar(string transform, Tensor y)
    {
        if (y.Numel != 1)
            throw new InvalidOperationException(
                $"Functional.{transform}: the function returned shape {Shapes.Format(y.ShapeArray)}; {transform} needs a one-element (scalar) output — " +
                "use Vjp with a cotangent of that shape, or JacRev/JacFwd, for a function with several outputs");
        return y;
    }

    /// <summary>
    /// ∂⟨y, cotangent⟩/∂inputs, with zeros (allowUnused) or a clear error where the output does not depend on an input.
    /// </summary>
    private static Tensor[] Gradients(string transform, Tensor y, Tensor[] inputs, int[] positions, Tensor? cotangent,
        bool createGraph, bool retainGraph, bool allowUnused)
    {
        var found = y.RequiresGrad
            ? Autograd.Grad([y], inputs, [cotangent], createGraph, retainGraph, allowUnused: true)
            : new Tensor?[inputs.Length];
        var result = new Tensor[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (found[i] is { } g) { result[i] = g; continue; }
            if (!allowUnused)
                throw new InvalidOperationException(
                    $"Functional.{transform}: the output {Shapes.Format(y.ShapeArray)} does not depend on input {positions[i]} {Shapes.Format(inputs[i].ShapeArray)} " +
                    (y.RequiresGrad
                        ? "(no gradient reaches it)"
                        : "(it is not part of any graph: a constant, detached, computed under NoGrad, or a gradient computed without createGraph: true)") +
                    "; pass allowUnused: true for a zero derivative instead");
            result[i] = Tensor.ZerosLike(inputs[i]);
        }
        return result;
    }

    /// <summary>Checks the positions to differentiate against the argument count; all of them when null.</summary>
    private static int[] Positions(string transform, int[]? withRespectTo, int count)
    {
        if (withRespectTo is null) return Enumerable.Range(0, count).ToArray();
        if (withRespectTo.Length == 0) throw new ArgumentException($"Functional.{transform}: withRespectTo is empty", nameof(withRespectTo));
        var seen = new HashSet<int>();
        foreach (int p in withRespectTo)
        {
            if (p < 0 || p >= count)
                throw new ArgumentException($"Functional.{transform}: withRespectTo names input {p}, but the function was given {count} inputs", nameof(withRespectTo));
            if (!seen.Add(p)) throw new ArgumentException($"Functional.{transform}: withRespectTo names input {p} twice", nameof(withRespectTo));
        }
        return withRespectTo;
    }

    private static void CheckArguments(string transform, Tensor[] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        for (int i = 0; i < x.Length; i++)
            if (x[i] is null) throw new ArgumentNullException(nameof(x), $"Functional.{transform}: input {i} is null");
    }

    /// <summary>The arguments with the differentiated ones replaced by the transform's own copies.</summary>
    private static (Tensor[] Arguments, Tensor[] Owned) OwnArguments(string transform, Tensor[] x, int[] positions, bool connected)
    {
        var arguments = (Tensor[])x.Clone();
        var owned = new Tensor[positions.Length];
        for (int i = 0; i < positions.Length; i++)
            arguments[positions[i]] = owned[i] = Own(transform, x[positions[i]], positions[i], connected);
        return (arguments, owned);
    }

    private static void CheckTangents(string transform, string what, Tensor[] x, Tensor[] v)
    {
        ArgumentNullException.ThrowIfNull(v);
        if (v.Length != x.Length)
            throw new ArgumentException($"Functional.{transform}: {v.Length} {what}s for {x.Length} inputs; expected one per input", nameof(v));
        for (int i = 0; i < v.Length; i++)
        {
            if (v[i] is null) throw new ArgumentNullException(nameof(v), $"Functional.{transform}: {what} {i} is null");
            if (!Shapes.Equal(v[i].ShapeArray, x[i].ShapeArray))
                throw new ArgumentException(
                    $"Functional.{transform}: {what} {i} has shape {Shapes.Format(v[i].ShapeArray)}, but input {i} has shape {Shapes.Format(x[i].ShapeArray)}; they must match",
                    nameof(v));
        }
    }
}
