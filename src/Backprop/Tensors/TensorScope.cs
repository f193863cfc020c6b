namespace Backprop;

/// <summary>
/// A region of code whose tensor buffers are recycled when it ends: every tensor created on this thread inside the
/// scope gets its storage from a pool, and all of it goes back when the scope is disposed. Wrap one training step's
/// forward and backward in a scope and the steady state allocates (almost) no buffers.
/// </summary>
/// <remarks>
/// The contract is that of a memory arena: a tensor created inside the scope must not be used after it ends (read
/// the loss with <see cref="Tensor.Item"/> inside). Gradients accumulated into leaves (<see cref="Tensor.Grad"/>) are
/// allocated outside any scope and stay valid. Scopes nest; each returns what was created while it was innermost.
/// </remarks>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;
    private readonly TensorScope? _outer;
    private readonly List<(Array Buffer, DType DType)> _rented = [];
    private bool _disposed;

    private TensorScope(TensorScope? outer) => _outer = outer;

    /// <summary>Starts a scope on this thread.</summary>
    public static TensorScope Begin() => _current = new TensorScope(_current);

    /// <summary>Whether a scope is active on this thread.</summary>
    public static bool IsActive => _current is not null;

    internal static Array? TryRent(DType dtype, int count)
    {
        var scope = _current;
        if (scope is null || count < 64) return null; // tiny buffers cost less to allocate than to track
        var buffer = BufferPool.Rent(dtype, count);
        scope._rented.Add((buffer, dtype));
        return buffer;
    }

    /// <summary>Returns every buffer created in this scope to the pool and ends it.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (_current != this) throw new InvalidOperationException("TensorScope: scopes must be disposed in reverse order of creation, on the thread that began them");
        _disposed = true;
        _current = _outer;
        foreach (var (buffer, dtype) in _rented) BufferPool.Return(buffer, dtype);
        _rented.Clear();
    }
}
