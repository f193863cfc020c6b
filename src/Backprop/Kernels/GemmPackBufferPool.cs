namespace Backprop.Kernels;

/// <summary>
/// The pack buffers of <see cref="GemmDriver{T, TKernel}"/> and <see cref="GemmDirect"/>: sets of buffers in a small
/// pool, which a worker rents for one rectangle of C and returns, so steady-state calls allocate nothing whichever
/// threads run them. (Buffers kept per thread were allocated again for every thread the thread pool started or
/// replaced: docs/performance.md has what that cost per gpt_char step.)
/// </summary>
internal sealed class GemmPackBufferPool
{
    /// <summary>The pool the GEMM uses.</summary>
    public static readonly GemmPackBufferPool Shared = new(Math.Max(4, 2 * Environment.ProcessorCount));

    private readonly GemmPackBufferSet?[] _free;

    /// <param name="capacity">
    /// Sets kept for reuse: every thread of one product holds one at a time, so twice the cores covers one product on
    /// every core and a few concurrent callers; a set returned to a full pool is left to the garbage collector.
    /// </param>
    public GemmPackBufferPool(int capacity) => _free = new GemmPackBufferSet?[capacity];

    /// <summary>A set no other thread holds until it is <see cref="Return"/>ed.</summary>
    public GemmPackBufferSet Rent()
    {
        var free = _free;
        for (int i = 0; i < free.Length; i++)
        {
            if (Volatile.Read(ref free[i]) is null) continue;
            var set = Interlocked.Exchange(ref free[i], null);
            if (set is not null) return set;
        }
        return new GemmPackBufferSet();
    }

    /// <summary>Gives a set back; the caller must not touch its buffers afterwards.</summary>
    public void Return(GemmPackBufferSet set)
    {
        var free = _free;
        for (int i = 0; i < free.Length; i++)
            if (Volatile.Read(ref free[i]) is null && Interlocked.CompareExchange(ref free[i], set, null) is null)
                return;
    }
}
