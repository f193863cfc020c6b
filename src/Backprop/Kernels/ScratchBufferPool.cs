namespace Backprop.Kernels;

/// <summary>
/// Scratch buffers for kernels whose work items run on pool threads (the GEMM's pack buffers, a convolution sample's
/// padded image and tile): sets of buffers in a small pool, which a work item rents and returns, so steady-state calls
/// allocate nothing whichever threads run them. Buffers kept per thread — our own, or <see cref="System.Buffers.ArrayPool{T}.Shared"/>'s
/// per-thread cache — are allocated again for every thread the thread pool starts or replaces, and are lost with it
/// (docs/performance.md has what that cost per training step).
/// </summary>
internal sealed class ScratchBufferPool
{
    /// <summary>The pool the kernels use.</summary>
    public static readonly ScratchBufferPool Shared = new(Math.Max(4, 2 * Environment.ProcessorCount));

    private readonly ScratchBuffers?[] _free;

    /// <param name="capacity">
    /// Sets kept for reuse: a thread holds one or two at a time (a convolution item's, and the GEMM's it calls), so
    /// twice the cores covers one kernel on every core and a few concurrent callers; a set returned to a full pool is
    /// left to the garbage collector.
    /// </param>
    public ScratchBufferPool(int capacity) => _free = new ScratchBuffers?[capacity];

    /// <summary>A set no other thread holds until it is <see cref="Return"/>ed.</summary>
    public ScratchBuffers Rent()
    {
        var free = _free;
        for (int i = 0; i < free.Length; i++)
        {
            if (Volatile.Read(ref free[i]) is null) continue;
            var set = Interlocked.Exchange(ref free[i], null);
            if (set is not null) return set;
        }
        return new ScratchBuffers();
    }

    /// <summary>Gives a set back; the caller must not touch its buffers afterwards.</summary>
    public void Return(ScratchBuffers set)
    {
        var free = _free;
        for (int i = 0; i < free.Length; i++)
            if (Volatile.Read(ref free[i]) is null && Interlocked.CompareExchange(ref free[i], set, null) is null)
                return;
    }
}
