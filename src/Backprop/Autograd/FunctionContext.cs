namespace Backprop;

/// <summary>
/// What one application of a <see cref="Function"/> (or <see cref="MultiOutputFunction"/>) keeps between its forward and its backward: the tensors saved for
/// the backward (read back through the same checks as a built-in operator's: a tensor modified in place after it was
/// saved is refused, naming the function and the write) and which inputs need a gradient.
/// </summary>
public sealed class FunctionContext
{
    private readonly Tensor[] _inputs;
    private readonly bool _recording;
    private Tensor[] _saved = [];
    private UserFunctionNode? _node;

    internal FunctionContext(Tensor[] inputs, bool recording)
    {
        _inputs = inputs;
        _recording = recording;
    }

    /// <summary>
    /// Keeps <paramref name="tensors"/> (inputs, the output or intermediate values) for the backward. Call it in the
    /// forward, once; a later call replaces what was saved. Saved tensors are not copied: modifying one in place
    /// afterwards makes the backward fail instead of computing from the new values.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called after the forward finished.</exception>
    public void SaveForBackward(params Tensor[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (_node is not null)
            throw new InvalidOperationException($"{_node.Name}: SaveForBackward is for the forward pass; this context's forward has finished");
        for (int i = 0; i < tensors.Length; i++)
            if (tensors[i] is null) throw new ArgumentException($"SaveForBackward: tensor {i} is null", nameof(tensors));
        // Nothing will read them when no node is recorded; dropping them lets their buffers go at once.
        _saved = _recording ? (Tensor[])tensors.Clone() : [];
    }

    /// <summary>
    /// The tensors given to <see cref="SaveForBackward"/>, in order, for the backward to read.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// A saved tensor was modified in place after the forward (its gradient would be computed from the new values), or
    /// a previous backward pass released the saved values (pass <c>retainGraph: true</c> to backpropagate twice).
    /// </exception>
    public IReadOnlyList<Tensor> SavedTensors
    {
        get
        {
            if (_node is null) return _saved; // still in the forward: nothing can be stale yet
            var checkedValues = new Tensor[_saved.Length];
            for (int i = 0; i < _saved.Length; i++) checkedValues[i] = _node.ReadSaved(_saved[i]);
            if (_node.IsReleased) _node.ReadSaved(null);
            return checkedValues;
        }
    }

    /// <summary>Any other value the backward needs (a computed scale, a flag); not checked for in-place writes.</summary>
    public object? State { get; set; }

    /// <summary>The number of inputs the function was applied to.</summary>
    public int InputCount => _inputs.Length;

    /// <summary>The shape of input <paramref name="index"/> (what its gradient is summed down to).</summary>
    public ReadOnlySpan<int> InputShape(int index) => _inputs[index].Shape;

    /// <summary>Whether input <paramref name="index"/> requires a gradient; the backward may return null for the others.</summary>
    public bool NeedsInputGradient(int index) => _recording && _inputs[index].RequiresGrad;

    internal void Attach(UserFunctionNode node) => _node = node;

    internal void Release() => _saved = [];
}
