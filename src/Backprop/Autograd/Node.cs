namespace Backprop;

/// <summary>
/// A recorded operator application: the gate of the backpropagation texts. It knows its inputs and whatever
/// forward values its local gradient needs (saved during the forward pass), and nothing else of the graph.
/// </summary>
public abstract class Node
{
    private Tensor[] _inputs = [];

    // StorageVersions.Current when the node was recorded: a saved buffer written in place after it is stale.
    private long _version;

    /// <summary>The operator's name, such as "mul" or "matmul".</summary>
    public abstract string Name { get; }

    /// <summary>The tensors the operator was applied to, in argument order.</summary>
    public IReadOnlyList<Tensor> Inputs => _inputs;

    internal Tensor[] InputArray => _inputs;

    /// <summary>Whether the saved forward values were released by a backward pass.</summary>
    public bool IsReleased { get; private set; }

    /// <summary>Where the node was recorded (module path, source line); captured only in anomaly mode or a trace, else null.</summary>
    internal NodeOrigin? Origin { get; private set; }

    /// <summary>
    /// Multiplies <paramref name="gradOutput"/> (the gradient arriving at the output) by the local gradient and
    /// writes the gradient for each input into <paramref name="gradInputs"/> (null where an input needs none).
    /// A gradient may have the broadcast shape; the engine reduces it to the input's shape and accumulates it.
    /// Runs with gradient recording off.
    /// </summary>
    internal abstract void Backward(Tensor gradOutput, Span<Tensor?> gradInputs);

    /// <summary>
    /// Whether <see cref="BackwardInto"/> can add some input gradients straight into the leaves' own
    /// <see cref="Tensor.Grad"/> buffers (a linear layer's weight gradient as a GEMM that accumulates into it), sparing
    /// the engine a gradient tensor and a pass that adds it in.
    /// </summary>
    internal virtual bool AddsIntoLeafGradients => false;

    /// <summary>
    /// <see cref="Backward"/>, where for each input k with a non-null <paramref name="addInto"/>[k] (the leaf's own
    /// gradient: contiguous, of the input's shape and dtype, not part of a graph; the engine holds its lock) the node may
    /// add that input's gradient into it instead of returning it, and then sets <paramref name="added"/>[k] and leaves
    /// <paramref name="gradInputs"/>[k] null. Only called when <see cref="AddsIntoLeafGradients"/> is true.
    /// </summary>
    internal virtual void BackwardInto(Tensor gradOutput, Span<Tensor?> gradInputs, ReadOnlySpan<Tensor?> addInto, Span<bool> added) =>
        Backward(gradOutput, gradInputs);

    /// <summary>
    /// The same gradients as <see cref="Backward"/>, computed with the library's own recorded operators from the
    /// node's inputs (never from detached saved copies), so they are graph-connected and can be differentiated again.
    /// The engine calls it with recording on when a pass is asked to create the graph (<c>createGraph: true</c>).
    /// An operator without such a rule refuses, rather than hand back a gradient whose own derivative would be wrong.
    /// </summary>
    internal virtual void RecordedBackward(Tensor gradOutput, Span<Tensor?> gradInputs) =>
        throw new NotSupportedException(
            $"double backward through '{Name}' is not supported yet: its backward rule is not written with differentiable operators, " +
            "so createGraph: true (Autograd.Grad, Backward) cannot record it; see docs/architecture.md for the operators that support it");

    /// <summary>
    /// Input <paramref name="index"/> as a rule with <see cref="RecordedBackward"/> reads it: the graph-connected tensor
    /// itself, checked as a saved value is (released by an earlier pass, or written in place since the forward pass).
    /// </summary>
    protected Tensor Input(int index) => IsReleased ? Saved(null) : Saved(_inputs[index]);

    /// <summary>
    /// <see cref="RecordedBackward"/> for an element-wise operator whose local derivative is piecewise constant (relu,
    /// abs, clamp, max/min): the slopes are its ordinary backward of a gradient of ones, constants of the graph, and
    /// each input's gradient is g times its slopes — differentiable in g, with the second derivative 0 it has.
    /// </summary>
    protected void LocallyLinearBackward(Tensor g, Span<Tensor?> gradInputs)
    {
        using (Autograd.NoGrad()) Backward(Tensor.OnesLike(g), gradInputs);
        for (int k = 0; k < gradInputs.Length; k++)
            if (gradInputs[k] is { } slopes) gradInputs[k] = g * slopes;
    }

    /// <summary>Whether input <paramref name="index"/> needs a gradient.</summary>
    protected bool Wants(int index) => _inputs[index].RequiresGrad;

    /// <summary>Drops references to saved forward values so their buffers can be reclaimed.</summary>
    protected virtual void ReleaseSaved() { }

    internal void Release()
    {
        if (IsReleased) return;
        ReleaseSaved();
        IsReleased = true;
    }

    /// <summary>
    /// A saved value, or a clear error when a previous backward pass released it or when it was written in place after
    /// the forward pass saved it (its gradient would be computed from the new values).
    /// </summary>
    protected Tensor Saved(Tensor? value)
    {
        if (value is null) throw new InvalidOperationException(
            $"backward through '{Name}' a second time: its saved values were released by the first Backward(); pass retainGraph: true to the first call");
        if (StorageVersions.Current != _version) CheckUnmodified(value);
        return value;
    }

    private void CheckUnmodified(Tensor value)
    {
        if (StorageVersions.WriterSince(value.Data, _version) is not { } writer) return;
        throw new InvalidOperationException(
            $"{Name}: a tensor {Shapes.Format(value.ShapeArray)} {value.DType.Name()} that this operator saved for its backward pass was modified " +
            $"in place afterwards (by {writer}), so its gradient would be computed from the new values; expected it unchanged until Backward(). " +
            "Modify a copy instead (t.Clone(), or t.Detach().Clone() outside the graph), or make the change after Backward()");
    }

    /// <summary>
    /// The gradients this gate hands to its inputs for a given upstream gradient, reduced to the inputs' shapes —
    /// the "upstream × local = downstream" step on its own. Does not accumulate anything.
    /// </summary>
    public Tensor?[] InputGradients(Tensor upstream)
    {
        if (IsReleased) Saved(null);
        var grads = new Tensor?[_inputs.Length];
        using (Autograd.NoGrad())
        {
            Backward(upstream, grads);
            for (int i = 0; i < grads.Length; i++)
                if (grads[i] is { } g) grads[i] = BackwardEngine.ReduceToInput(g, _inputs[i]);
        }
        return grads;
    }

    /// <summary>Attaches a node to its output when recording is on and some input requires a gradient.</summary>
    internal static Tensor Record(Tensor output, Node node, Tensor input) => Attach(output, node, [input]);

    internal static Tensor Record(Tensor output, Node node, Tensor a, Tensor b) => Attach(output, node, [a, b]);

    internal static Tensor Record(Tensor output, Node node, Tensor[] inputs) => Attach(output, node, inputs);

    // Every operator's recording passes here: the one place that stamps the node's version and, in anomaly mode only,
    // checks the output and captures where the node was made.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static Tensor Attach(Tensor output, Node node, Tensor[] inputs)
    {
        node._inputs = inputs;
        node._version = StorageVersions.Current;
        output.GradFn = node;
        if (AnomalyDetection.IsWatching) node.Origin = AnomalyDetection.OnRecord(output, node);
        return output;
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
