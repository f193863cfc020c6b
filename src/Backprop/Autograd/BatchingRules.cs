using Backprop.Ops;

namespace Backprop;

/// <summary>
/// The batching rules of <see cref="Batching"/>: for an operator applied to batched tensors, the one operator on the
/// physical tensors (batch axis in front) that computes every example's result at once. Each rule calls the operators
/// through their public, batch-aware entry points, so a physical tensor that is itself batched (a Vmap inside a Vmap)
/// is handled by its own level's rules in turn. A rule that meets a case it does not cover stops the batched
/// evaluation (<see cref="Batching.Fallback"/>): Vmap then runs the function once per example, which gives the
/// per-example answer or error.
/// </summary>
internal static class BatchingRules
{
    // ---- element-wise --------------------------------------------------------------------------------------------

    /// <summary>An element-wise operator of one tensor (and constants).</summary>
    public static Tensor Map(Tensor x, Func<Tensor, Tensor> op)
    {
        var b = x.Batched!;
        return Batching.Wrap(b.Level, op(b.Physical));
    }

    /// <inheritdoc cref="Map(Tensor, Func{Tensor, Tensor})"/>
    public static Tensor Map<TState>(Tensor x, TState state, Func<Tensor, TState, Tensor> op)
    {
        var b = x.Batched!;
        return Batching.Wrap(b.Level, op(b.Physical, state));
    }

    /// <summary>A broadcasting operator of two tensors: the example axes are lined up, the batch axis leads.</summary>
    public static Tensor Zip(Tensor a, Tensor b, Func<Tensor, Tensor, Tensor> op)
    {
        var level = Batching.Top(a, b)!;
        int rank = Math.Max(a.Rank, b.Rank);
        return Batching.Wrap(level, op(Batching.Operand(a, level, rank), Batching.Operand(b, level, rank)));
    }

    /// <summary>Where(condition, a, b), broadcasting all three.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        var level = Batching.Top(condition, a, b)!;
        int rank = Math.Max(condition.Rank, Math.Max(a.Rank, b.Rank));
        return Batching.Wrap(level, Tensor.Where(Batching.Operand(condition, level, rank), Batching.Operand(a, level, rank),
            Batching.Operand(b, level, rank)));
    }

    public static Tensor Detach(Tensor x) => Map(x, static p => p.Detach());

    public static Tensor FirstOrderConstant(Tensor x) => Map(x, static p => FirstOrderConstantOp.Apply(p));

    // ---- shape ---------------------------------------------------------------------------------------------------

    /// <summary>Reshape to a resolved example shape: the batch axis is kept in front.</summary>
    public static Tensor Reshape(Tensor x, int[] shape) => Map(x, shape, static (p, s) => ReshapeOp.Apply(p, [p.ShapeArray[0], .. s]));

    /// <summary>Permute by a normalised example order: the batch axis stays axis 0.</summary>
    public static Tensor Permute(Tensor x, int[] axes)
    {
        var order = new int[axes.Length + 1];
        for (int i = 0; i < axes.Length; i++) order[i + 1] = axes[i] + 1;
        return Map(x, order, static (p, o) => PermuteOp.Apply(p, o));
    }

    /// <summary>Expand to a resolved example shape (which may add leading example axes, after the batch axis).</summary>
    public static Tensor Expand(Tensor x, int[] target)
    {
        var b = x.Batched!;
        var p = Batching.Operand(x, b.Level, target.Length);
        return Batching.Wrap(b.Level, ExpandOp.Apply(p, [p.ShapeArray[0], .. target]));
    }

    public static Tensor Slice(Tensor x, int axis, int start, int end, int step) =>
        Map(x, (axis, start, end, step), static (p, s) => SliceOp.Apply(p, s.axis + 1, s.start, s.end, s.step));

    /// <summary>Concat along an example axis: shared parts get the batch axis (stride 0) first.</summary>
    public static Tensor Concat(VmapLevel level, Tensor[] parts, int axis)
    {
        var physical = new Tensor[parts.Length];
        for (int i = 0; i < parts.Length; i++) physical[i] = Batching.Physical(Batching.Spread(parts[i], level), level)!;
        return Batching.Wrap(level, ConcatOp.Apply(physical, axis + 1));
    }

    // ---- reductions ----------------------------------------------------------------------------------------------

    /// <summary>SumOp: one example axis kept as size 1, or all of an example's elements to a 0-d value each.</summary>
    public static Tensor Sum(Tensor x, int axis, bool all)
    {
        var b = x.Batched!;
        var p = b.Physical;
        if (!all) return Batching.Wrap(b.Level, SumOp.Apply(p, axis + 1, all: false));
        if (x.Rank == 0) return Batching.Wrap(b.Level, ReshapeOp.Apply(p, p.ShapeArray));
        var axes = new int[x.Rank];
        for (int i = 0; i < axes.Length; i++) axes[i] = i + 1;
        return Batching.Wrap(b.Level, p.Sum(axes));
    }

    /// <summary>Softmax or log-softmax along the example's last axis, which is the physical tensor's last axis too.</summary>
    public static Tensor Softmax(Tensor x, bool log) => Map(x, log, static (p, l) => l ? p.LogSoftmax(-1) : p.Softmax(-1));

    // ---- products and layers -------------------------------------------------------------------------------------

    /// <summary>
    /// The matrix product of example operands of rank ≥ 2 as one batched product: the batch axis joins the batch axes
    /// of the product (a shared matrix broadcasts against it).
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        var level = Batching.Top(a, b)!;
        int rank = Math.Max(a.Rank, b.Rank);
        return Batching.Wrap(level, Tensor.MatMulOperands(Batching.Operand(a, level, rank), Batching.Operand(b, level, rank)));
    }

    /// <summary>
    /// Linear with shared weights: one fused operator on all the examples' rows. With per-example weights (as under
    /// Vmap(Grad) in the weights): the product with each example's own matrix.
    /// </summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias)
    {
        var level = Batching.Top(input, weight, bias)!;
        if (!Batching.Has(weight, level) && (bias is null || !Batching.Has(bias, level)))
            return Batching.Wrap(level, Tensor.Linear(Batching.Physical(input, level)!, weight, bias));
        // Weights shared by the examples but differentiated per example (spread with a stride-0 batch axis).
        var w = Batching.Physical(weight, level);
        var b = bias is null ? null : Batching.Physical(Batching.Spread(bias, level), level);
        if (w is not null && Batching.Physical(Batching.Spread(input, level), level) is { } x && PerExampleLinear.Applies(x, w, b))
            return Batching.Wrap(level, b is null ? PerExampleLinear.Instance.Apply(x, w) : PerExampleLinear.Instance.Apply(x, w, b));
        var y = Tensor.MatMul(input, weight.Transpose(0, 1));
        return bias is null ? y : y + bias;
    }

    // ---- losses --------------------------------------------------------------------------------------------------

    /// <summary>
    /// Cross-entropy: the per-label losses of every example in one fused operator, then each example's own reduction
    /// (a mean divides by that example's count, or summed class weight, of the labels not ignored).
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor labels, double labelSmoothing, Reduction reduction, int ignoreIndex, Tensor? weight)
    {
        var level = Batching.Top(logits, labels, weight)!;
        if (weight is not null && Batching.Has(weight, level)) throw Batching.Fallback(level, weight);
        if (logits.Rank < 1 || labels.Rank != logits.Rank - 1) throw Batching.Fallback(level, logits);
        var p = Batching.Physical(Batching.Spread(logits, level), level)!;
        var y = Batching.Physical(Batching.Spread(labels, level), level)!;
        var losses = p.CrossEntropy(y, labelSmoothing, Reduction.None, ignoreIndex, weight);
        if (reduction == Reduction.None) return Batching.Wrap(level, losses);
        var exampleAxes = new int[labels.Rank];
        for (int i = 0; i < exampleAxes.Length; i++) exampleAxes[i] = i + 1;
        var total = exampleAxes.Length == 0 ? losses : losses.Sum(exampleAxes);
        if (reduction == Reduction.Sum) return Batching.Wrap(level, total);
        // The counts are data: read from the labels (which must be values here, not a deeper level's batch).
        if (y.Batched is not null || (weight is not null && weight.Batched is not null)) throw Batching.Fallback(level, labels);
        var ids = y.ToArray<int>();
        var weights = weight?.ToDoubleArray();
        int perExample = labels.Numel;
        var counts = new double[level.Size];
        for (int e = 0; e < counts.Length; e++)
            for (int i = e * perExample; i < (e + 1) * perExample; i++)
                if (ids[i] != ignoreIndex && ids[i] >= 0 && (weights is null || ids[i] < weights.Length))
                    counts[e] += weights?[ids[i]] ?? 1;
        return Batching.Wrap(level, total / Tensor.FromArray(counts).To(total.DType));
    }

    // ---- autograd ------------------------------------------------------------------------------------------------

    /// <summary>
    /// Autograd.Grad of batched outputs with respect to batched inputs: one backward pass through the physical graph,
    /// seeded per example; since no example's output depends on another's input, each example gets its own gradient.
    /// Any other case (an input shared by the examples, an output that is not batched, a missing seed) runs per example.
    /// </summary>
    public static Tensor?[] Grad(VmapLevel level, Tensor[] outputs, Tensor[] inputs, Tensor?[]? gradOutputs, bool createGraph,
        bool? retainGraph, bool allowUnused)
    {
        var physicalInputs = new Tensor[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            var input = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"Autograd.Grad: input {i} is null");
            physicalInputs[i] = Batching.Physical(input, level) ?? throw Batching.Fallback(level, input);
        }
        var physicalOutputs = new Tensor[outputs.Length];
        var seeds = new Tensor?[outputs.Length];
        for (int i = 0; i < outputs.Length; i++)
        {
            var output = outputs[i] ?? throw new ArgumentNullException(nameof(outputs), $"Autograd.Grad: output {i} is null");
            if (Batching.Physical(output, level) is not { } p || !output.RequiresGrad) throw Batching.Fallback(level, output);
            physicalOutputs[i] = p;
            if (gradOutputs?[i] is { } g)
            {
                if (!Shapes.Equal(g.ShapeArray, output.ShapeArray)) throw Batching.Fallback(level, g);
                seeds[i] = Batching.Physical(Batching.Spread(g, level), level);
            }
            else if (output.Numel != 1) throw Batching.Fallback(level, output);
            else seeds[i] = Tensor.OnesLike(p);
        }
        Tensor?[] gradients;
        try
        {
            gradients = Autograd.Grad(physicalOutputs, physicalInputs, seeds, createGraph, retainGraph, allowUnused);
        }
        catch (InvalidOperationException e) when (e is not VmapFallbackException)
        {
            throw Batching.Fallback(level, outputs[0]);
        }
        var result = new Tensor?[gradients.Length];
        for (int i = 0; i < result.Length; i++)
            if (gradients[i] is { } g) result[i] = Batching.Wrap(level, g);
        return result;
    }
}
