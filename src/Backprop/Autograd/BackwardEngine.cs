namespace Backprop;

/// <summary>Receives each step of a backward pass, in the order the engine runs them (for explanations and tools).</summary>
public interface IBackwardObserver
{
    /// <summary>
    /// Called after <paramref name="node"/> turned <paramref name="upstream"/> into <paramref name="inputGradients"/>
    /// (already reduced to the inputs' shapes), before they are accumulated into the inputs.
    /// </summary>
    void OnStep(Tensor output, Node node, Tensor upstream, ReadOnlySpan<Tensor?> inputGradients);

    /// <summary>Called when a gradient arrives at a leaf and is added to its <see cref="Tensor.Grad"/>.</summary>
    void OnLeaf(Tensor leaf, Tensor gradient);
}

/// <summary>
/// The backward pass: visits the graph in reverse topological order, hands each node the gradient summed at its
/// output, reduces the gradients it returns over broadcast axes and sums them into its inputs — in this one place.
/// </summary>
internal static class BackwardEngine
{
    private static int _pass;

    public static void Run(Tensor root, Tensor? gradient, bool retainGraph, IBackwardObserver? observer)
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException(
                "Backward: this tensor does not require a gradient (no input of the computation has RequiresGrad set, or it was computed under NoGrad)");
        if (gradient is null)
        {
            if (root.Numel != 1)
                throw new InvalidOperationException(
                    $"Backward: the output has shape {Shapes.Format(root.ShapeArray)}, so it needs an explicit gradient of that shape (only a one-element output gets the implicit gradient 1)");
            gradient = Tensor.OnesLike(root);
        }
        else if (!Shapes.Equal(gradient.ShapeArray, root.ShapeArray))
        {
            throw new ArgumentException(
                $"Backward: gradient shape {Shapes.Format(gradient.ShapeArray)} does not match the output shape {Shapes.Format(root.ShapeArray)}");
        }
        else if (gradient.DType != root.DType)
        {
            gradient = gradient.Detach().To(root.DType);
        }

        var order = TopologicalOrder(root);
        Tensor?[] scratch = new Tensor?[4];
        root.PendingGrad = gradient;
        using var _ = Autograd.NoGrad();
        try
        {
            for (int i = order.Count - 1; i >= 0; i--)
            {
                var t = order[i];
                var g = t.PendingGrad;
                t.PendingGrad = null; // the buffer is free for the collector once its gradient has moved on
                if (g is null) continue;
                var node = t.GradFn;
                if (node is null || t.RetainsGrad)
                {
                    AccumulateLeaf(t, g);
                    observer?.OnLeaf(t, g);
                    if (node is null) continue;
                }
                if (node.IsReleased)
                    throw new InvalidOperationException(
                        $"backward through '{node.Name}' a second time: its saved values were released by the first Backward(); pass retainGraph: true to the first call");

                var inputs = node.InputArray;
                if (scratch.Length < inputs.Length) scratch = new Tensor?[inputs.Length];
                var grads = scratch.AsSpan(0, inputs.Length);
                grads.Clear();
                node.Backward(g, grads);
                for (int k = 0; k < inputs.Length; k++)
                {
                    var input = inputs[k];
                    if (grads[k] is not { } gk || !input.RequiresGrad) { grads[k] = null; continue; }
                    grads[k] = ReduceToInput(gk, input);
                }
                observer?.OnStep(t, node, g, grads);
                for (int k = 0; k < inputs.Length; k++)
                {
                    if (grads[k] is not { } gk) continue;
                    var input = inputs[k];
                    input.PendingGrad = input.PendingGrad is null ? gk : input.PendingGrad + gk;
                }
                if (!retainGraph) node.Release();
            }
        }
        catch
        {
            // A failed pass (a released graph, a faulty operator) must not leave gradients parked on tensors:
            // the next Backward through any of them would silently add the stale values in.
            foreach (var t in order) t.PendingGrad = null;
            throw;
        }
    }

    /// <summary>Sums a gradient over the axes its input was broadcast along and converts it to the input's dtype.</summary>
    internal static Tensor ReduceToInput(Tensor grad, Tensor input)
    {
        if (!Shapes.Equal(grad.ShapeArray, input.ShapeArray)) grad = grad.SumTo(input.ShapeArray);
        if (grad.DType != input.DType) grad = grad.To(input.DType);
        return grad;
    }

    private static void AccumulateLeaf(Tensor leaf, Tensor g)
    {
        var existing = leaf.Grad;
        if (existing is null || !Shapes.Equal(existing.ShapeArray, g.ShapeArray) || existing.DType != g.DType || !existing.IsContiguous)
        {
            // A private copy (g may be shared with other tensors' gradients or be the caller's own tensor), in a
            // buffer outside any TensorScope: a leaf's gradient outlives the step that computed it.
            var grad = new Tensor(Storage.NewUninitialized(g.DType, g.Numel), g.ShapeArray, g.DType);
            grad.CopyFrom(g);
            leaf.Grad = grad;
        }
        else
        {
            existing.AddInPlace(g);
        }
    }

    /// <summary>
    /// Tensors reachable from <paramref name="root"/> through recorded operators, in topological order
    /// (inputs before outputs). Iterative depth-first search, so a chain of a million nodes needs no deep stack.
    /// </summary>
    private static List<Tensor> TopologicalOrder(Tensor root)
    {
        int stamp = Interlocked.Increment(ref _pass);
        var order = new List<Tensor>();
        var stack = new Stack<(Tensor Tensor, int NextInput)>();
        root.VisitStamp = stamp;
        stack.Push((root, 0));
        while (stack.Count > 0)
        {
            var (t, next) = stack.Pop();
            var inputs = t.GradFn?.InputArray;
            if (inputs is not null && next < inputs.Length)
            {
                stack.Push((t, next + 1));
                var child = inputs[next];
                if (child.RequiresGrad && child.VisitStamp != stamp)
                {
                    child.VisitStamp = stamp;
                    stack.Push((child, 0));
                }
                continue;
            }
            order.Add(t);
        }
        return order;
    }
}
