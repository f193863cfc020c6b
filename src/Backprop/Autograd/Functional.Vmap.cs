namespace Backprop;

// Vectorizing map: a function of one example applied to a batch.
public static partial class Functional
{
    /// <summary>
    /// Maps a function of one example over axis <paramref name="inDim"/> of its input and stacks the results along
    /// <paramref name="outDim"/> (<c>torch.func.vmap</c>); see <see cref="Vmap(Func{Tensor[], Tensor[]}, int?[], int[])"/>
    /// for how it runs.
    /// </summary>
    public static Func<Tensor, Tensor> Vmap(Func<Tensor, Tensor> f, int inDim = 0, int outDim = 0)
    {
        ArgumentNullException.ThrowIfNull(f);
        var mapped = Vmap(x => [f(x[0])], [inDim], [outDim]);
        return x => mapped([x])[0];
    }

    /// <summary>
    /// Maps a function of several inputs: <paramref name="inDims"/> gives, per input, the batch axis, or null for an
    /// input shared by every example (parameters, constants); every mapped input must have the same batch size.
    /// </summary>
    public static Func<Tensor[], Tensor> Vmap(Func<Tensor[], Tensor> f, int?[] inDims, int outDim = 0)
    {
        ArgumentNullException.ThrowIfNull(f);
        var mapped = Vmap(x => [f(x)], inDims, [outDim]);
        return x => mapped(x)[0];
    }

    /// <summary>
    /// Maps a function with several outputs (such as <c>Grad(loss, withRespectTo)</c>: per-example gradients), each
    /// stacked along its entry of <paramref name="outDims"/> (axis 0 for all when null).
    /// </summary>
    /// <remarks>
    /// The function runs once, on batched tensors (functorch's way): each looks like one example — its shape has no
    /// batch axis — and carries the whole batch behind it, and every operator with a batching rule (element-wise
    /// operators and their scalar forms, sums and means, reshapes, permutes, expands and slices, softmax, log-softmax,
    /// cross-entropy and the squared error along the example's axes, matmul as a batched matmul, linear, and the
    /// gradients of Grad, ValueAndGrad, Vjp and Autograd.Grad) computes all the examples at once. When the function
    /// uses an operator without a rule (or reads a value, or throws), the batched run is abandoned and the function
    /// runs once per example on slices of the inputs (views), with the results stacked: exact for any function, and
    /// the answer (or the error) is the per-example one. Both ways are built from differentiable operators, so a Vmap
    /// composes with the differentiating transforms inside and outside it, and with another Vmap.
    /// A function with side effects may see them twice when the batched run is abandoned.
    /// </remarks>
    public static Func<Tensor[], Tensor[]> Vmap(Func<Tensor[], Tensor[]> f, int?[] inDims, int[]? outDims = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(inDims);
        return x =>
        {
            CheckArguments("Vmap", x);
            if (x.Length != inDims.Length)
                throw new ArgumentException($"Functional.Vmap: {inDims.Length} inDims for {x.Length} inputs; expected one per input (null for an unmapped input)", nameof(x));
            var (batch, axes) = BatchAxes(x, inDims);
            return Batched(f, x, axes, batch, outDims) ?? Looped(f, x, axes, batch, outDims);
        };
    }

    /// <summary>Runs the function once on batched tensors; null when it needs an operator without a batching rule.</summary>
    private static Tensor[]? Batched(Func<Tensor[], Tensor[]> f, Tensor[] x, int?[] axes, int batch, int[]? outDims)
    {
        var level = Batching.Enter(batch);
        try
        {
            var example = new Tensor[x.Length];
            for (int i = 0; i < x.Length; i++)
                example[i] = axes[i] is int axis ? Batching.Wrap(level, MoveAxis(x[i], axis, 0)) : x[i];
            var outputs = f(example);
            if (outputs is null || outputs.Length == 0 || outputs.Any(o => o is null)) return null; // the loop reports it
            if (outDims is not null && outDims.Length != outputs.Length) return null;
            var stacked = new Tensor[outputs.Length];
            for (int j = 0; j < outputs.Length; j++)
            {
                // An output that does not depend on the example is the same for all of them: copied out, like a stack.
                bool shared = !Batching.Has(outputs[j], level);
                var physical = Batching.Physical(Batching.Spread(outputs[j], level), level)!;
                if (shared) physical = physical.Clone();
                int outDim = outDims?[j] ?? 0, rank = physical.Rank;
                if (outDim < -rank || outDim >= rank) return null;
                stacked[j] = MoveAxis(physical, 0, outDim < 0 ? outDim + rank : outDim);
            }
            return stacked;
        }
        catch (VmapFallbackException e) when (e.Level == level.Id)
        {
            return null;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException && e is not VmapFallbackException)
        {
            return null; // a shape only the batched run has, or the function's own error: the loop gives the per-example answer
        }
        finally
        {
            Batching.Exit(level);
        }
    }

    /// <summary>The tensor with axis <paramref name="from"/> moved to position <paramref name="to"/> (a view).</summary>
    private static Tensor MoveAxis(Tensor t, int from, int to)
    {
        if (from == to) return t;
        var order = Enumerable.Range(0, t.Rank).Where(a => a != from).ToList();
        order.Insert(to, from);
        return t.Permute([.. order]);
    }

    /// <summary>Runs the function once per example, on the inputs' slices along their batch axes, and stacks the results.</summary>
    private static Tensor[] Looped(Func<Tensor[], Tensor[]> f, Tensor[] x, int?[] axes, int batch, int[]? outDims)
    {
        Tensor[]? first = null;
        var results = new List<Tensor[]>(batch);
        for (int b = 0; b < batch; b++)
        {
            var example = new Tensor[x.Length];
            for (int i = 0; i < x.Length; i++)
                example[i] = axes[i] is int axis ? x[i].Narrow(axis, b, 1).Squeeze(axis) : x[i];
            var outputs = f(example) ?? throw new InvalidOperationException("Functional.Vmap: the function returned null");
            first ??= CheckOutputs(outputs, outDims);
            for (int j = 0; j < outputs.Length; j++)
                if (outputs.Length != first.Length || outputs[j] is null || !Shapes.Equal(outputs[j].ShapeArray, first[j].ShapeArray))
                    throw new InvalidOperationException(
                        $"Functional.Vmap: for example {b} the function returned {Describe(outputs)}, for example 0 {Describe(first)}; every example must give the same shapes");
            results.Add(outputs);
        }

        var stacked = new Tensor[first!.Length];
        for (int j = 0; j < stacked.Length; j++)
        {
            int outDim = outDims?[j] ?? 0;
            int rank = first[j].Rank + 1;
            if (outDim < -rank || outDim >= rank)
                throw new ArgumentException(
                    $"Functional.Vmap: outDims[{j}] is {outDim}, but output {j} {Shapes.Format(first[j].ShapeArray)} with the batch axis has rank {rank}", nameof(outDims));
            stacked[j] = Tensor.Stack(results.Select(r => r[j]).ToArray(), outDim < 0 ? outDim + rank : outDim);
        }
        return stacked;
    }

    /// <summary>The batch size and each input's batch axis (normalized; null when unmapped), with the shapes in any error.</summary>
    private static (int Batch, int?[] Axes) BatchAxes(Tensor[] x, int?[] inDims)
    {
        var axes = new int?[x.Length];
        int batch = -1, sizedBy = -1;
        for (int i = 0; i < x.Length; i++)
        {
            if (inDims[i] is not int dim) continue;
            int rank = x[i].Rank;
            if (dim < -rank || dim >= rank)
                throw new ArgumentException(
                    $"Functional.Vmap: inDims[{i}] is {dim}, but input {i} has shape {Shapes.Format(x[i].ShapeArray)} (rank {rank}), which has no such axis", nameof(inDims));
            int axis = dim < 0 ? dim + rank : dim;
            axes[i] = axis;
            int size = x[i].ShapeArray[axis];
            if (batch < 0) { batch = size; sizedBy = i; }
            else if (size != batch)
                throw new ArgumentException(
                    $"Functional.Vmap: input {i} {Shapes.Format(x[i].ShapeArray)} has size {size} along its batch axis {axis}, but input {sizedBy} " +
                    $"{Shapes.Format(x[sizedBy].ShapeArray)} has size {batch} along axis {axes[sizedBy]}; every mapped input needs the same batch size", nameof(inDims));
        }
        if (batch < 0) throw new ArgumentException("Functional.Vmap: no input is mapped (every inDims entry is null)", nameof(inDims));
        if (batch == 0)
            throw new ArgumentException(
                $"Functional.Vmap: input {sizedBy} {Shapes.Format(x[sizedBy].ShapeArray)} has size 0 along its batch axis {axes[sizedBy]}; there is no example to map", nameof(inDims));
        return (batch, axes);
    }

    private static Tensor[] CheckOutputs(Tensor[] outputs, int[]? outDims)
    {
        if (outputs.Length == 0) throw new InvalidOperationException("Functional.Vmap: the function returned no tensor");
        for (int j = 0; j < outputs.Length; j++)
            if (outputs[j] is null) throw new InvalidOperationException($"Functional.Vmap: the function's output {j} is null");
        if (outDims is not null && outDims.Length != outputs.Length)
            throw new ArgumentException($"Functional.Vmap: {outDims.Length} outDims for {outputs.Length} outputs; expected one per output", nameof(outDims));
        return outputs;
    }

    private static string Describe(Tensor[] outputs) =>
        outputs.Length == 1 ? (outputs[0] is null ? "null" : Shapes.Format(outputs[0].ShapeArray))
            : "(" + string.Join(", ", outputs.Select(o => o is null ? "null" : Shapes.Format(o.ShapeArray))) + ")";
}
