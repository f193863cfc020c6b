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

    /// <summary>
    /// Whether the pass may let an operator add a leaf's gradient straight into its existing <see cref="Tensor.Grad"/>
    /// (as it does without an observer): that gradient then never appears in <see cref="OnStep"/>'s input gradients and
    /// <see cref="OnLeaf"/> is not called for it. False by default, so an observer sees every gradient; a profiler that
    /// wants the unobserved pass's work says true.
    /// </summary>
    bool AllowsAddingIntoLeafGradients => false;
}

/// <summary>
/// The backward pass: visits the graph in reverse topological order, hands each node the gradient summed at its
/// output, reduces the gradients it returns over broadcast axes and sums them into its inputs — in this one place,
/// save that it may let a node add a leaf's gradient straight into the leaf's Grad (<see cref="Node.BackwardInto"/>).
/// </summary>
internal static class BackwardEngine
{
    // Leaf gradients are summed under a lock, so passes on several threads that reach one leaf (a shared embedding)
    // add up instead of losing updates. Striped by the leaf's identity: no lock object per tensor.
    private static readonly Lock[] LeafLocks = CreateLocks(64);

    public static void Run(Tensor root, Tensor? gradient, bool retainGraph, bool createGraph, IBackwardObserver? observer)
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException(
                "Backward: this tensor does not require a gradient (no input of the computation has RequiresGrad set, or it was computed under NoGrad)");
        root.CheckAlive();
        var seed = Seed("Backward", "output", root, gradient, createGraph);
        var pass = BackwardPass.Rent();
        try
        {
            pass.Walk(root, seed);
            Execute(pass, retainGraph, createGraph, observer, targets: null, leadsToTargets: null, captured: null);
        }
        finally
        {
            // Success or failure, nothing of this pass stays on the tensors: a failed pass leaves no gradient parked
            // for the next one to add in, and every claim is released for other passes.
            pass.Return();
        }
    }

    /// <summary>
    /// The gradients of <paramref name="outputs"/> (weighted by <paramref name="seeds"/>) with respect to
    /// <paramref name="inputs"/>, without touching any <see cref="Tensor.Grad"/>: runs only the nodes whose gradients
    /// lead to an input. An input the pass does not reach gets null.
    /// </summary>
    public static Tensor?[] Gradients(Tensor[] outputs, Tensor[] seeds, Tensor[] inputs, bool retainGraph, bool createGraph)
    {
        var pass = BackwardPass.Rent();
        try
        {
            foreach (var output in outputs) pass.Walk(output);
            for (int i = 0; i < outputs.Length; i++)
                using (RecordingFor(createGraph)) pass.AddPending(outputs[i], seeds[i]);
            var targets = new int[inputs.Length];
            for (int i = 0; i < inputs.Length; i++) targets[i] = pass.SlotOf(inputs[i]);
            var captured = new Tensor?[inputs.Length];
            Execute(pass, retainGraph, createGraph, null, targets, pass.LeadsToTargets(targets), captured);
            return captured;
        }
        finally
        {
            pass.Return();
        }
    }

    /// <summary>
    /// The gradient a pass starts from at <paramref name="output"/>: 1 for a one-element output, else the caller's,
    /// checked against the output's shape and converted to its dtype (detached unless the pass records the graph, where
    /// a graph-connected seed is part of what is differentiated).
    /// </summary>
    internal static Tensor Seed(string api, string which, Tensor output, Tensor? gradient, bool createGraph)
    {
        if (gradient is null)
        {
            if (output.Numel != 1)
                throw new InvalidOperationException(
                    $"{api}: the {which} has shape {Shapes.Format(output.ShapeArray)}, so it needs an explicit gradient of that shape (only a one-element output gets the implicit gradient 1)");
            return Storage.Empty(output.ShapeArray, output.DType).FillData(1);
        }
        if (!Shapes.Equal(gradient.ShapeArray, output.ShapeArray))
            throw new ArgumentException(
                $"{api}: gradient shape {Shapes.Format(gradient.ShapeArray)} does not match the {which} shape {Shapes.Format(output.ShapeArray)}");
        if (gradient.DType == output.DType) return gradient;
        if (!createGraph) return gradient.Detach().To(output.DType);
        using (RecordingFor(createGraph)) return gradient.To(output.DType);
    }

    /// <summary>
    /// A pass records its own operators exactly when it creates the graph, whatever the caller's scope: PyTorch's
    /// engine, too, sets gradient mode to create_graph for the pass.
    /// </summary>
    private static RecordingScope RecordingFor(bool createGraph) => new(createGraph);

    private static void Execute(BackwardPass pass, bool retainGraph, bool createGraph, IBackwardObserver? observer,
        int[]? targets, bool[]? leadsToTargets, Tensor?[]? captured)
    {
        bool anomaly = AnomalyDetection.IsEnabled;
        ref Tensor?[] scratch = ref pass.GradScratch;
        using var recording = RecordingFor(createGraph);
        for (int i = pass.OrderCount - 1; i >= 0; i--)
        {
            int slot = pass.OrderAt(i);
            var t = pass.TensorAt(slot);
            var g = pass.TakePending(slot);
            if (g is null) continue;
            var node = t.GradFn;
            if (targets is not null)
            {
                // Autograd.Grad: hand the gradient to the caller, never to .Grad, and go on only towards other inputs.
                for (int k = 0; k < targets.Length; k++)
                    if (targets[k] == slot) captured![k] = g;
                if (node is null || !leadsToTargets![slot]) continue;
            }
            else if (node is null || t.RetainsGrad)
            {
                AccumulateLeaf(t, g, createGraph);
                observer?.OnLeaf(t, g);
                if (node is null) continue;
            }
            if (node.IsReleased)
                throw new InvalidOperationException(
                    $"backward through '{node.Name}' a second time: its saved values were released by the first Backward(); pass retainGraph: true to the first call");
            if (t.IsScopeEnded)
                throw new InvalidOperationException(
                    $"backward through '{node.Name}' (output {Shapes.Format(t.ShapeArray)}): its forward pass ran in a TensorScope that has ended, " +
                    "so the values it saved were recycled; expected Backward() inside that scope");

            var inputs = node.InputArray;
            if (scratch.Length < inputs.Length) scratch = new Tensor?[inputs.Length];
            var grads = scratch.AsSpan(0, inputs.Length);
            grads.Clear();
            if (createGraph) node.RecordedBackward(g, grads);
            else if (node.AddsIntoLeafGradients && targets is null && !anomaly && observer is not { AllowsAddingIntoLeafGradients: false })
                BackwardIntoLeaves(node, g, grads, ref pass.LeafScratch);
            else node.Backward(g, grads);
            for (int k = 0; k < inputs.Length; k++)
            {
                var input = inputs[k];
                if (grads[k] is not { } gk || !input.RequiresGrad) { grads[k] = null; continue; }
                grads[k] = ReduceToInput(gk, input);
            }
            if (anomaly) AnomalyDetection.CheckGradients(node, g, grads);
            observer?.OnStep(t, node, g, grads);
            for (int k = 0; k < inputs.Length; k++)
                if (grads[k] is { } gk) pass.AddPending(inputs[k], gk);
            if (!retainGraph) node.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="node"/>'s backward letting it add the gradients of leaf inputs into their existing
    /// <see cref="Tensor.Grad"/> (see <see cref="Node.BackwardInto"/>), under those leaves' locks. A leaf qualifies when
    /// its gradient is a plain buffer of its own shape and dtype (after ZeroGrad, in a training step); the sum is then
    /// the one <see cref="AccumulateLeaf"/> would form, the node's products simply starting from the buffer.
    /// </summary>
    private static void BackwardIntoLeaves(Node node, Tensor g, Span<Tensor?> grads, ref Tensor?[] scratch)
    {
        var inputs = node.InputArray;
        if (scratch.Length < inputs.Length) scratch = new Tensor?[inputs.Length];
        var addInto = scratch.AsSpan(0, inputs.Length);
        addInto.Clear();
        Span<bool> added = stackalloc bool[inputs.Length];
        Span<int> stripes = stackalloc int[inputs.Length];
        int locked = 0;
        for (int k = 0; k < inputs.Length; k++)
        {
            var input = inputs[k];
            if (input.GradFn is not null || !input.RequiresGrad || input.Grad is not { RequiresGrad: false } existing
                || !IsPlainBufferFor(existing, input))
                continue;
            addInto[k] = existing;
            stripes[locked++] = LeafStripe(input);
        }
        if (locked == 0)
        {
            node.Backward(g, grads);
            return;
        }
        // Each stripe once, in increasing order, so two passes locking the same leaves cannot deadlock.
        var order = stripes[..locked];
        order.Sort();
        int distinct = 0;
        for (int i = 0; i < order.Length; i++)
            if (i == 0 || order[i] != order[i - 1]) order[distinct++] = order[i];
        order = order[..distinct];
        foreach (int stripe in order) LeafLocks[stripe].Enter();
        try
        {
            for (int k = 0; k < inputs.Length; k++)
                addInto[k]?.MarkWritten("gradient accumulation");
            node.BackwardInto(g, grads, addInto, added);
        }
        finally
        {
            for (int i = order.Length - 1; i >= 0; i--) LeafLocks[order[i]].Exit();
        }
        for (int k = 0; k < inputs.Length; k++)
            if (added[k]) grads[k] = null;
        addInto.Clear(); // no reference to a gradient kept past the node
    }

    /// <summary>Whether a leaf's gradient can take <paramref name="gradient"/>'s values in place: contiguous, same shape and dtype.</summary>
    private static bool IsPlainBufferFor(Tensor existing, Tensor gradient) =>
        existing.IsContiguous && existing.DType == gradient.DType && Shapes.Equal(existing.ShapeArray, gradient.ShapeArray);

    private static int LeafStripe(Tensor leaf) =>
        (System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(leaf) & int.MaxValue) % LeafLocks.Length;

    private static Lock[] CreateLocks(int count)
    {
        var locks = new Lock[count];
        for (int i = 0; i < count; i++) locks[i] = new Lock();
        return locks;
    }

    /// <summary>Sums a gradient over the axes its input was broadcast along and converts it to the input's dtype.</summary>
    internal static Tensor ReduceToInput(Tensor grad, Tensor input)
    {
        if (!Shapes.Equal(grad.ShapeArray, input.ShapeArray)) grad = grad.SumTo(input.ShapeArray);
        if (grad.DType != input.DType) grad = grad.To(input.DType);
        return grad;
    }

    private static void AccumulateLeaf(Tensor leaf, Tensor g, bool createGraph)
    {
        lock (LeafLocks[LeafStripe(leaf)])
        {
            var existing = leaf.Grad;
            if ((createGraph && g.RequiresGrad) || existing is { RequiresGrad: true })
            {
                // The gradient is part of a graph (or the one already there is): summed out of place with recorded
                // operators, so the leaf's gradient stays differentiable and no graph sees a value change under it.
                // A copy, not g itself, which may be another tensor's gradient too.
                leaf.Grad = existing is null || !Shapes.Equal(existing.ShapeArray, g.ShapeArray) || existing.DType != g.DType
                    ? g.Clone()
                    : existing + g;
            }
            else if (existing is null || !IsPlainBufferFor(existing, g))
            {
                // A private copy (g may be shared with other tensors' gradients or be the caller's own tensor), in a
                // buffer outside any TensorScope: a leaf's gradient outlives the step that computed it.
                var grad = new Tensor(Storage.NewUninitialized(g.DType, g.Numel), g.ShapeArray, g.DType);
                grad.CopyDataFrom(g);
                leaf.Grad = grad;
            }
            else
            {
                // An in-place write like any other: a graph that saved this gradient tensor must notice.
                existing.MarkWritten("gradient accumulation");
                existing.AddInPlace(g);
            }
        }
    }
}
