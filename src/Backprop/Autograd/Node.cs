namespace Backprop;

/// <summary>
/// A recorded operator application: the gate of the backpropagation texts. It knows its inputs and whatever
/// forward values its local gradient needs (saved during the forward pass), and nothing else of the graph.
/// </summary>
public abstract class Node
{
    private Tensor[] _inputs = [];

    /// <summary>The operator's name, such as "mul" or "matmul".</summary>
    public abstract string Name { get; }

    /// <summary>The tensors the operator was applied to, in argument order.</summary>
    public IReadOnlyList<Tensor> Inputs => _inputs;

    internal Tensor[] InputArray => _inputs;

    /// <summary>Whether the saved forward values were released by a backward pass.</summary>
    public bool IsReleased { get; private set; }

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

    /// <summary>A saved value, or a clear error when a previous backward pass released it.</summary>
    protected Tensor Saved(Tensor? value) => value ?? throw new InvalidOperationException(
        $"backward through '{Name}' a second time: its saved values were released by the first Backward(); pass retainGraph: true to the first call");

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
    internal static Tensor Record(Tensor output, Node node, Tensor input)
    {
        node._inputs = [input];
        output.GradFn = node;
        return output;
    }

    internal static Tensor Record(Tensor output, Node node, Tensor a, Tensor b)
    {
        node._inputs = [a, b];
        output.GradFn = node;
        return output;
    }

    internal static Tensor Record(Tensor output, Node node, Tensor[] inputs)
    {
        node._inputs = inputs;
        output.GradFn = node;
        return output;
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
