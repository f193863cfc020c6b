namespace Backprop;

/// <summary>
/// One running <see cref="Functional.Vmap(Func{Tensor, Tensor}, int, int)"/>: its batch size and the levels it runs
/// inside (a Vmap in the function of another is one level deeper, with a larger id).
/// </summary>
internal sealed class VmapLevel
{
    private static int _lastId;

    public VmapLevel(int size, VmapLevel? outer)
    {
        Id = Interlocked.Increment(ref _lastId);
        Size = size;
        Outer = outer;
        // Generation 1 against the tensors' 0: the liveness check of every batched tensor fails, by design.
        Sentinel = new PooledBuffer(Array.Empty<double>(), DType.Float64) { VmapLevel = Id, Generation = 1 };
    }

    public int Id { get; }

    public int Size { get; }

    public VmapLevel? Outer { get; }

    public PooledBuffer Sentinel { get; }
}

/// <summary>A batched tensor's level and the physical tensor behind it: the whole batch, along its axis 0.</summary>
internal sealed class BatchedValue(VmapLevel level, Tensor physical)
{
    public VmapLevel Level { get; } = level;

    public Tensor Physical { get; } = physical;
}

/// <summary>
/// Thrown when an operator without a batching rule reads a batched tensor: the Vmap of that level catches it and runs
/// the function once per example instead. Seen by a user only for a batched tensor kept after its Vmap returned.
/// </summary>
internal sealed class VmapFallbackException(int level, Tensor tensor) : InvalidOperationException(
    $"tensor {Shapes.Format(tensor.ShapeArray)} {tensor.DType.Name()} is one example's view of a Functional.Vmap batch: it can be used only while the " +
    "mapped function runs; keep the results Vmap returns instead")
{
    public int Level { get; } = level;
}

/// <summary>
/// The batched evaluation of <see cref="Functional.Vmap(Func{Tensor[], Tensor[]}, int?[], int[])"/>, as functorch does
/// it: the mapped function runs once, on batched tensors that look like one example (their shape has no batch axis)
/// and carry the whole batch behind them. An operator with a batching rule (<see cref="BatchingRules"/>) runs once on the
/// physical tensors, with the batch axis in front; every other operator, on reading a batched tensor's values, throws
/// <see cref="VmapFallbackException"/>, and Vmap runs the function once per example instead.
/// </summary>
/// <remarks>
/// Gradients are recorded on the physical tensors: because every rule keeps the examples apart (example b of an
/// output depends only on example b of the inputs), the gradient of the sum of the per-example outputs is the stack
/// of the per-example gradients. A transform that differentiates with respect to an input shared by the examples
/// (Grad of a loss in the parameters, inside a Vmap over data) first gives that input a batch axis of stride 0,
/// so its gradient, too, comes out per example (<see cref="Spread"/>).
/// </remarks>
internal static class Batching
{
    private static readonly AsyncLocal<VmapLevel?> InnermostLevel = new();

    /// <summary>The innermost running Vmap level of this async flow, or null.</summary>
    public static VmapLevel? Innermost => InnermostLevel.Value;

    public static VmapLevel Enter(int size) => InnermostLevel.Value = new VmapLevel(size, InnermostLevel.Value);

    public static void Exit(VmapLevel level) => InnermostLevel.Value = level.Outer;

    /// <summary>The deepest level among the tensors (null entries and ordinary tensors have none).</summary>
    public static VmapLevel? Top(params ReadOnlySpan<Tensor?> tensors)
    {
        VmapLevel? top = null;
        foreach (var t in tensors)
            if (t?.Batched is { } b && (top is null || b.Level.Id > top.Id))
                top = b.Level;
        return top;
    }

    /// <summary>Whether <paramref name="t"/> is batched at <paramref name="level"/> (at its top or deeper in).</summary>
    public static bool Has(Tensor t, VmapLevel level)
    {
        for (var b = t.Batched; b is not null; b = b.Physical.Batched)
            if (b.Level == level) return true;
        return false;
    }

    /// <summary>The physical tensor of <paramref name="t"/> at <paramref name="level"/>, or null when t is not batched there (shared by the examples).</summary>
    public static Tensor? Physical(Tensor t, VmapLevel level) => t.Batched is { } b && b.Level == level ? b.Physical : null;

    public static Tensor Wrap(VmapLevel level, Tensor physical) => Tensor.MakeBatched(level, physical);

    /// <summary>
    /// The operand of a physical operator at <paramref name="level"/>: a batched tensor's physical tensor with unit axes
    /// after the batch axis up to <paramref name="rank"/> example axes (so that broadcasting lines the example axes up);
    /// a shared tensor as it is (broadcasting puts the batch axis in front of it).
    /// </summary>
    public static Tensor Operand(Tensor t, VmapLevel level, int rank)
    {
        if (Physical(t, level) is not { } p) return t;
        int missing = rank - t.Rank;
        if (missing <= 0) return p;
        var shape = new int[p.Rank + missing];
        shape[0] = p.ShapeArray[0];
        for (int i = 0; i < missing; i++) shape[1 + i] = 1;
        for (int i = 1; i < p.Rank; i++) shape[missing + i] = p.ShapeArray[i];
        return p.Reshape(shape);
    }

    /// <summary>
    /// <paramref name="t"/> batched at <paramref name="level"/>: itself if it is, else with a batch axis of stride 0
    /// inserted below any deeper levels (each example sees the same values, and its gradient is its own).
    /// </summary>
    public static Tensor Spread(Tensor t, VmapLevel level)
    {
        if (t.Batched is { } b)
        {
            if (b.Level == level) return t;
            if (b.Level.Id > level.Id) return Wrap(b.Level, Spread(b.Physical, level));
        }
        return Wrap(level, t.Unsqueeze(0).Expand([level.Size, .. t.ShapeArray]));
    }

    /// <summary><paramref name="t"/> batched at every running Vmap level (an input some transform differentiates).</summary>
    public static Tensor SpreadOverRunningLevels(Tensor t)
    {
        for (var level = Innermost; level is not null; level = level.Outer)
            if (!Has(t, level)) t = Spread(t, level);
        return t;
    }

    /// <summary>Stops the batched evaluation of <paramref name="level"/>: Vmap runs the function per example instead.</summary>
    public static VmapFallbackException Fallback(VmapLevel level, Tensor t) => new(level.Id, t);
}
