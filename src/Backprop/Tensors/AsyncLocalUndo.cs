namespace Backprop;

/// <summary>
/// Undoes one write to an <see cref="AsyncLocal{T}"/> without allocating. Every write makes a new
/// <see cref="ExecutionContext"/> (about 70–100 bytes), so a scope that sets a value on entry and sets the old one back
/// on exit costs two; a training step's <see cref="TensorScope"/> and the backward pass's no-grad scope made four. When
/// nothing else has changed the flow's context since the write, the context from before it is the exact result of
/// writing the old value back, and restoring it allocates nothing.
/// </summary>
internal readonly struct AsyncLocalUndo
{
    private readonly ExecutionContext? _before, _after;

    /// <summary>Call right after the write, with the context captured right before it.</summary>
    public AsyncLocalUndo(ExecutionContext? before)
    {
        // Capture() is null while the flow is suppressed: then the scope writes the old value back itself.
        _before = before;
        _after = before is null ? null : ExecutionContext.Capture();
    }

    /// <summary>
    /// Restores the context from before the write when the current one is still the one the write made, and says
    /// whether it did; otherwise (another value was set meanwhile, and must survive) the caller writes the old value.
    /// </summary>
    public bool TryUndo()
    {
        if (_before is null || !ReferenceEquals(ExecutionContext.Capture(), _after)) return false;
        ExecutionContext.Restore(_before);
        return true;
    }
}
