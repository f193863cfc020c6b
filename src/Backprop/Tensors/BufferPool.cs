using System.Runtime.CompilerServices;

namespace Backprop;

/// <summary>
/// One recycled buffer and what the pool knows of it. The same record follows the array through all its rentals:
/// <see cref="Generation"/> moves on each time the buffer goes back, so a tensor that remembers the generation it was
/// made in can tell that its storage has been handed to someone else.
/// </summary>
internal sealed class PooledBuffer(Array array, DType dtype)
{
    public readonly Array Array = array;
    public readonly DType DType = dtype;

    /// <summary>Bumped when the buffer returns to the pool; read by every access to a tensor over it.</summary>
    public volatile int Generation;

    /// <summary>The scope that returns the buffer when it ends; null while in the pool or once kept out of every scope.</summary>
    public TensorScope? Owner;

    /// <summary>Whether the buffer is in the pool (no tensor may use it) rather than rented or kept.</summary>
    public volatile bool InPool;

    /// <summary>
    /// Non-zero for the stand-in storage of a Vmap level's batched tensors (see <see cref="Batching"/>): its generation
    /// never matches, so reading such a tensor's values outside a batching rule is caught by the liveness check.
    /// </summary>
    public int VmapLevel;
}

/// <summary>
/// Recycled tensor buffers, kept by exact length: a training step asks for the same sizes every time, so exact
/// buckets hit every time and waste nothing (unlike power-of-two pools). Bounded, so a burst of odd sizes cannot
/// pin memory forever.
/// </summary>
internal static class BufferPool
{
    private const long MaxRetainedBytes = 512L << 20;
    private static readonly Dictionary<(DType, int), Stack<PooledBuffer>> Buckets = new();
    private static readonly Lock Gate = new();
    private static long _retainedBytes;

    // Every array the pool ever created, to find its record from a view made over a bare array (operators make
    // views with the tensor constructor). Weak, so an array dropped by the pool is collected with its record.
    private static readonly ConditionalWeakTable<Array, PooledBuffer> Records = new();

    public static PooledBuffer Rent(DType dtype, int count)
    {
        lock (Gate)
        {
            if (Buckets.TryGetValue((dtype, count), out var stack) && stack.Count > 0)
            {
                _retainedBytes -= (long)count * dtype.SizeOf();
                var reused = stack.Pop();
                reused.InPool = false;
                return reused;
            }
        }
        var buffer = new PooledBuffer(Storage.NewUninitialized(dtype, count), dtype);
        Records.Add(buffer.Array, buffer);
        return buffer;
    }

    /// <summary>Takes the buffer back; every tensor made over it before is stale from now on.</summary>
    public static void Return(PooledBuffer buffer)
    {
        buffer.Owner = null;
        buffer.InPool = true;
        buffer.Generation++;
        long bytes = (long)buffer.Array.Length * buffer.DType.SizeOf();
        lock (Gate)
        {
            if (_retainedBytes + bytes > MaxRetainedBytes) return;
            if (!Buckets.TryGetValue((buffer.DType, buffer.Array.Length), out var stack))
                Buckets[(buffer.DType, buffer.Array.Length)] = stack = new Stack<PooledBuffer>();
            stack.Push(buffer);
            _retainedBytes += bytes;
        }
    }

    /// <summary>
    /// The pool's record of <paramref name="array"/> for a new view over it, with the generation the view is valid in:
    /// the current one, or an already stale one when the array lies in the pool (the view was made from a stale
    /// tensor). Null for an array the pool never made.
    /// </summary>
    public static PooledBuffer? FindLease(Array array, out int generation)
    {
        generation = 0;
        if (array.Length < TensorScope.MinPooledLength || !Records.TryGetValue(array, out var buffer)) return null;
        generation = buffer.InPool ? buffer.Generation - 1 : buffer.Generation;
        return buffer;
    }
}
