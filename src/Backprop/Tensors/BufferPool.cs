namespace Backprop;

/// <summary>
/// Recycled tensor buffers, kept by exact length: a training step asks for the same sizes every time, so exact
/// buckets hit every time and waste nothing (unlike power-of-two pools). Bounded, so a burst of odd sizes cannot
/// pin memory forever.
/// </summary>
internal static class BufferPool
{
    private const long MaxRetainedBytes = 512L << 20;
    private static readonly Dictionary<(DType, int), Stack<Array>> Buckets = new();
    private static readonly Lock Gate = new();
    private static long _retainedBytes;

    public static Array Rent(DType dtype, int count)
    {
        lock (Gate)
        {
            if (Buckets.TryGetValue((dtype, count), out var stack) && stack.Count > 0)
            {
                _retainedBytes -= (long)count * dtype.SizeOf();
                return stack.Pop();
            }
        }
        return Storage.NewUninitialized(dtype, count);
    }

    public static void Return(Array buffer, DType dtype)
    {
        long bytes = (long)buffer.Length * dtype.SizeOf();
        lock (Gate)
        {
            if (_retainedBytes + bytes > MaxRetainedBytes) return;
            if (!Buckets.TryGetValue((dtype, buffer.Length), out var stack)) Buckets[(dtype, buffer.Length)] = stack = new Stack<Array>();
            stack.Push(buffer);
            _retainedBytes += bytes;
        }
    }
}
