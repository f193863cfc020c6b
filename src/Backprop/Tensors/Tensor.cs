using System.Runtime.CompilerServices;

namespace Backprop;

/// <summary>
/// An n-dimensional array of float32, float64 or int32 values that can record the operators applied to it,
/// so that <see cref="Backward(Tensor?, bool?, bool)"/> can compute gradients by reverse-mode differentiation.
/// A scalar is a 0-d tensor. Views (reshape, transpose, slices, expand) share storage with their source.
/// </summary>
public sealed partial class Tensor
{
    // Storage is a float[], double[] or int[] matching DType; a view shares it with another offset and strides.
    internal readonly Array Data;
    internal readonly int Offset;
    internal readonly int[] ShapeArray;
    internal readonly int[] StridesArray;
    private readonly int _numel;
    private bool _requiresGrad;

    // The pool's record of this tensor's buffer when it came from a TensorScope (null otherwise), and the buffer's
    // generation when this tensor was made: the buffer's generation moves on when its scope ends, so a mismatch
    // means the storage now belongs to someone else.
    internal readonly PooledBuffer? Pooled;
    private readonly int _generation;

    // Claimed by one backward pass at a time (see BackwardPass): the pass's token and this tensor's slot in it.
    internal BackwardPass.Token? PassOwner;
    internal int PassSlot;

    /// <summary>A tensor over <paramref name="data"/>, which may be another tensor's storage (a view made by an operator).</summary>
    internal Tensor(Array data, int offset, int[] shape, int[] strides, DType dtype)
        : this(data, offset, shape, strides, dtype, BufferPool.FindLease(data, out int generation), generation) { }

    /// <summary>A tensor over a freshly created buffer, such as one from <see cref="Storage.Uninitialized"/>.</summary>
    internal Tensor(Array data, int[] shape, DType dtype)
        : this(data, 0, shape, Shapes.ContiguousStrides(shape), dtype, TensorScope.TakeJustRented(data, out int generation), generation) { }

    /// <summary>A view of <paramref name="source"/>'s storage: it shares the source's lease, stale or not.</summary>
    private Tensor(Tensor source, int offset, int[] shape, int[] strides)
        : this(source.Data, offset, shape, strides, source.DType, source.Pooled, source._generation) { }

    private Tensor(Array data, int offset, int[] shape, int[] strides, DType dtype, PooledBuffer? pooled, int generation)
    {
        Data = data;
        Offset = offset;
        ShapeArray = shape;
        StridesArray = strides;
        DType = dtype;
        _numel = Shapes.Numel(shape);
        IsContiguous = Shapes.IsContiguous(shape, strides);
        Pooled = pooled;
        _generation = generation;
    }

    /// <summary>Throws when this tensor's pooled buffer went back to the pool with the scope that created it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void CheckAlive()
    {
        if (Pooled is { } p && p.Generation != _generation) ThrowScopeEnded();
    }

    /// <summary>Whether the scope this tensor's buffer came from has ended (false for tensors outside any scope).</summary>
    public bool IsScopeEnded => Pooled is { } p && p.Generation != _generation;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowScopeEnded()
    {
        if (Pooled is { VmapLevel: > 0 } sentinel) throw new VmapFallbackException(sentinel.VmapLevel, this);
        string origin = GradFn is { } node ? $" (the result of '{node.Name}')" : "";
        throw new InvalidOperationException(
            $"tensor {Shapes.Format(ShapeArray)} {DType.Name()}{origin}: used after the TensorScope it was created in ended; " +
            "its buffer went back to the pool and now holds other values. Read what you need inside the scope (Item(), ToArray()), " +
            "or let it escape with TensorScope.Keep(t), scope.MoveToOuterScope(t) or TensorScope.Run(...), which copies the result out");
    }

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>The size of each axis.</summary>
    public ReadOnlySpan<int> Shape => ShapeArray;

    /// <summary>How far apart, in elements, neighbours along each axis are in storage.</summary>
    public ReadOnlySpan<int> Strides => StridesArray;

    /// <summary>The number of axes (0 for a scalar).</summary>
    public int Rank => ShapeArray.Length;

    /// <summary>The number of elements.</summary>
    public int Numel => _numel;

    /// <summary>Whether the elements lie in storage in row-major order with no gaps.</summary>
    public bool IsContiguous { get; }

    /// <summary>The size of one axis; negative axes count from the end.</summary>
    public int Size(int axis) => ShapeArray[Shapes.NormalizeAxis("Size", axis, Rank)];

    /// <summary>An optional name shown by printing and by the graph pictures.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// Whether gradients are computed for this tensor. Set it on leaves (inputs and parameters);
    /// results of operators on such tensors require gradients too.
    /// </summary>
    public bool RequiresGrad
    {
        get => Batched is { } batched ? batched.Physical.RequiresGrad : _requiresGrad || GradFn is not null;
        set
        {
            if (Batched is { } batched)
            {
                batched.Physical.RequiresGrad = value;
                return;
            }
            if (value && !DType.IsFloatingPoint())
                throw new InvalidOperationException($"only floating-point tensors can require gradients, this one is {DType.Name()}");
            if (!value && GradFn is not null)
                throw new InvalidOperationException(
                    $"RequiresGrad cannot be turned off on the result of '{GradFn.Name}'; use Detach() to get a tensor outside the graph");
            _requiresGrad = value;
        }
    }

    /// <summary>The accumulated gradient of a leaf after <see cref="Backward(Tensor?, bool?, bool)"/>; null before.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>The operator that produced this tensor, or null for a leaf.</summary>
    public Node? GradFn { get; internal set; }

    /// <summary>Whether this tensor was created by the user rather than by an operator that records gradients.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>Whether to keep <see cref="Grad"/> on this non-leaf tensor during backward (leaves always keep it).</summary>
    public bool RetainsGrad { get; private set; }

    /// <summary>Keep this non-leaf tensor's gradient in <see cref="Grad"/> during backward, as PyTorch's retain_grad().</summary>
    public Tensor RetainGrad()
    {
        RetainsGrad = true;
        return this;
    }

    /// <summary>Clears the gradient: keeps the buffer and fills it with zeros, so a training loop does not reallocate it.</summary>
    public void ZeroGrad()
    {
        if (Grad is null) return;
        Grad.MarkWritten("ZeroGrad");
        Grad.FillData(0);
    }

    /// <summary>A tensor sharing this one's values but outside the graph: no gradient flows through it.</summary>
    public Tensor Detach() => Batched is null ? Ops.DetachOp.Apply(this, new(this, Offset, ShapeArray, StridesArray) { Name = Name }) : BatchingRules.Detach(this);

    /// <summary>A view of this tensor's storage with another layout (shares its version and its scope lease).</summary>
    internal Tensor View(int offset, int[] shape, int[] strides) => new(this, offset, shape, strides);

    internal T[] Array<T>()
    {
        CheckAlive();
        return Unsafe.As<T[]>(Data);
    }

    /// <summary>The elements of a contiguous tensor as a span over its storage.</summary>
    internal Span<T> Span<T>()
    {
        if (!IsContiguous) throw new InvalidOperationException("internal: Span() of a non-contiguous tensor");
        CheckType<T>();
        CheckAlive();
        return new Span<T>(Unsafe.As<T[]>(Data), Offset, _numel);
    }

    private void CheckType<T>()
    {
        if (DType.ClrType() != typeof(T))
            throw new InvalidOperationException($"this tensor holds {DType.Name()}, not {typeof(T).Name}");
    }

    /// <summary>Reads the elements of a contiguous tensor; use <see cref="ToArray{T}"/> to get a copy of any tensor.</summary>
    public ReadOnlySpan<T> AsSpan<T>() where T : unmanaged => Contiguous().Span<T>();

    /// <summary>The values as PyTorch prints them, followed by shape, dtype and graph facts.</summary>
    public override string ToString() => TensorFormatter.Format(this);
}
