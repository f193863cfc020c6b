using System.Runtime.CompilerServices;

namespace Backprop.Kernels;

/// <summary>
/// One work item's scratch buffers (rented from <see cref="ScratchBufferPool"/>): pinned (on the pinned object heap,
/// so taking their address costs nothing), 64-byte aligned (one cache line, one zmm load), grown on demand and kept
/// with the set.
/// </summary>
internal sealed unsafe class ScratchBuffers
{
    private const int Alignment = 64;
    private const int Slots = 2; // the GEMM: 0 packed A block, 1 packed B panel (or GemmDirect's strip); others: 0

    private readonly byte[]?[] _buffers = new byte[]?[Slots];

    /// <summary>A 64-byte-aligned buffer of at least <paramref name="count"/> elements in <paramref name="slot"/>.</summary>
    public T* Get<T>(int slot, int count) where T : unmanaged
    {
        long bytes = (long)count * sizeof(T) + Alignment;
        var buffer = _buffers[slot];
        if (buffer is null || buffer.Length < bytes)
        {
            // Grow geometrically so a sequence of slightly larger calls does not reallocate each time.
            long size = Math.Max(bytes, buffer is null ? 0 : Math.Min((long)buffer.Length * 2, Array.MaxLength));
            buffer = GC.AllocateUninitializedArray<byte>(checked((int)size), pinned: true);
            _buffers[slot] = buffer;
        }
        nint address = (nint)Unsafe.AsPointer(ref buffer[0]);
        return (T*)((address + Alignment - 1) & ~(nint)(Alignment - 1));
    }
}
