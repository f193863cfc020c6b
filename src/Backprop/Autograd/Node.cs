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
