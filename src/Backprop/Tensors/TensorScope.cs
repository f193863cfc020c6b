namespace Backprop;

/// <summary>
/// A region of code whose tensor buffers are recycled when it ends: every tensor created inside the scope (in this
/// async flow) gets its storage from a pool, and all of it goes back when the scope is disposed. Wrap one training
/// step's forward and backward in a scope and the steady state allocates (almost) no buffers.
/// </summary>
/// <remarks>
/// <para>
/// The contract is that of a memory arena: a tensor created inside the scope must not be used after it ends — read
/// the loss with <see cref="Tensor.Item"/> inside. Such use is detected: every access to a tensor whose buffer went
/// back to the pool throws <see cref="InvalidOperationException"/> naming the tensor's shape and operator. To let a
/// result escape, either <see cref="Keep"/> it (its buffer leaves the pool for good), <see cref="MoveToOuterScope"/>
/// (it lives as long as the enclosing scope), or compute it with <see cref="Run"/>, which returns a copy outside any
/// scope. Gradients accumulated into leaves (<see cref="Tensor.Grad"/>) are allocated outside any scope and stay valid.
/// </para>
/// <para>
/// Scopes nest; each returns what was created while it was innermost. Like <see cref="Autograd.NoGrad"/>, the current
/// scope follows the async flow (an <c>AsyncLocal</c>): code after an <c>await</c> keeps its scope on whatever thread
/// it resumes on, other threads' work never rents into it, and tasks started inside it rent into it too (so await them
/// before the scope ends).
/// </para>
/// </remarks>
public sealed class TensorScope : IDisposable
{
    /// <summary>Buffers shorter than this are not pooled: they cost less to allocate than to track.</summary>
    internal const int MinPooledLength = 64;

    private static readonly AsyncLocal<TensorScope?> Current = new();

    // The buffer most recently rented on this thread, until the tensor constructor that wraps it picks it up (a
    // handoff within one synchronous call, hence per thread, not per async flow).
    [ThreadStatic] private static PooledBuffer? _justRented;

    // The list of buffers of the scope that ended last, for the next one: a training loop begins a scope a step, and
    // a new list regrew its array every time (about 0.2-0.6 KB a step in the benchmark MLP and CNN). Lists that grew
    // past MaxSpareCapacity are left to the collector rather than kept alive.
    private static List<PooledBuffer>? s_spareList;
    private const int MaxSpareCapacity = 1024;

    private readonly TensorScope? _outer;
    // Handed on to the next scope once this one is disposed: every use checks _disposed under the lock first.
    private readonly List<PooledBuffer> _rented = Interlocked.Exchange(ref s_spareList, null) ?? [];
    private readonly Lock _gate = new();
    private bool _disposed;
    private AsyncLocalUndo _undo;

    private TensorScope(TensorScope? outer) => _outer = outer;

    /// <summary>Starts a scope in the current async flow.</summary>
    public static TensorScope Begin()
    {
        var scope = new TensorScope(Current.Value);
        var before = ExecutionContext.Capture();
        Current.Value = scope;
        scope._undo = new AsyncLocalUndo(before);
        return scope;
    }

    /// <summary>Whether a scope is active in the current async flow.</summary>
    public static bool IsActive => Current.Value is not null;

    /// <summary>
    /// Runs <paramref name="body"/> in a new scope and returns a copy of its result made outside every scope, so the
    /// result stays valid while all of the body's buffers are recycled. The copy is detached: backpropagate inside the
    /// body if gradients are wanted.
    /// </summary>
    public static Tensor Run(Func<Tensor> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var scope = Begin();
        var result = body();
        var copy = new Tensor(Storage.NewUninitialized(result.DType, result.Numel), result.ShapeArray.ToArray(), result.DType) { Name = result.Name };
        copy.CopyDataFrom(result);
        return copy;
    }

    /// <summary>
    /// Takes <paramref name="tensor"/>'s buffer out of whatever scope it came from, so it (and every view of its storage)
    /// stays valid after that scope ends; the buffer is then ordinary memory and is not recycled. Returns the tensor.
    /// The values are kept, not the graph behind them: backpropagate through it before its scope ends.
    /// </summary>
    public static Tensor Keep(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.CheckAlive();
        if (tensor.Pooled is { } buffer) buffer.Owner?.Transfer(buffer, null);
        return tensor;
    }

    /// <summary>
    /// Hands <paramref name="tensor"/>'s buffer from this scope to the enclosing one, so it stays valid until that one
    /// ends (with no enclosing scope, the same as <see cref="Keep"/>). A tensor from an enclosing scope, or from none, is
    /// left as it is. Returns the tensor.
    /// </summary>
    public Tensor MoveToOuterScope(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.CheckAlive();
        if (tensor.Pooled is { Owner: { } owner } buffer && !owner.Encloses(this)) owner.Transfer(buffer, _outer);
        return tensor;
    }

    /// <summary>Whether this scope is <paramref name="scope"/> or one of the scopes around it.</summary>
    private bool Encloses(TensorScope scope)
    {
        for (var s = scope._outer; s is not null; s = s._outer)
            if (s == this) return true;
        return false;
    }

    private void Transfer(PooledBuffer buffer, TensorScope? to)
    {
        lock (_gate)
        {
            // Its buffers went back to the pool when it ended (a buffer it had may now be another scope's).
            if (_disposed) return;
            int i = _rented.IndexOf(buffer);
            if (i < 0) return;
            _rented[i] = _rented[^1];
            _rented.RemoveAt(_rented.Count - 1);
        }
        if (to is null || !to.Adopt(buffer)) buffer.Owner = null;
    }

    private bool Adopt(PooledBuffer buffer)
    {
        lock (_gate)
        {
            if (_disposed) return false;
            buffer.Owner = this;
            _rented.Add(buffer);
            return true;
        }
    }

    internal static Array? TryRent(DType dtype, int count)
    {
        if (count < MinPooledLength) return null;
        var scope = Current.Value;
        if (scope is null) return null;
        var buffer = BufferPool.Rent(dtype, count);
        if (!scope.Adopt(buffer))
        {
            // A task that outlived its scope: allocate rather than rent into a scope nobody will end again.
            BufferPool.Return(buffer);
            return null;
        }
        _justRented = buffer;
        return buffer.Array;
    }

    /// <summary>The record of <paramref name="array"/> when it is the buffer just rented on this thread, else null.</summary>
    internal static PooledBuffer? TakeJustRented(Array array, out int generation)
    {
        // Short buffers are never pooled: skip the thread-local read for them (the scalar arithmetic path).
        var buffer = array.Length < MinPooledLength ? null : _justRented;
        if (buffer is null || !ReferenceEquals(buffer.Array, array))
        {
            generation = 0;
            return null;
        }
        _justRented = null;
        generation = buffer.Generation;
        return buffer;
    }

    /// <summary>Returns every buffer created in this scope to the pool and ends it.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (Current.Value != this)
            throw new InvalidOperationException("TensorScope: scopes must be disposed in reverse order of creation, in the async flow that began them");
        if (!_undo.TryUndo()) Current.Value = _outer;
        lock (_gate)
        {
            _disposed = true;
            foreach (var buffer in _rented) BufferPool.Return(buffer);
            _rented.Clear();
        }
        if (_rented.Capacity <= MaxSpareCapacity) Interlocked.CompareExchange(ref s_spareList, _rented, null);
    }
}
