using System.Runtime.CompilerServices;

namespace Backprop.Kernels;

/// <summary>
/// Per-thread pack buffers for <see cref="GemmDriver{T, TKernel}"/>: pinned (on the pinned object heap, so taking
/// their address costs nothing), 64-byte aligned (one cache line, one zmm load), grown on demand and kept for the
/// thread's lifetime, so steady-state calls allocate nothing.
/// </summary>
internal static unsafe class GemmPackBuffers
{
    private const int Alignment = 64;
    private const int Slots = 2; // 0: packed A block, 1: packed B panel

    [ThreadStatic] private static byte[]?[]? t_buffers;

    /// <summary>A 64-byte-aligned buffer of at least <paramref name="count"/> elements, private to this thread.</summary>
    public static T* Get<T>(int slot, int count) where T : unmanaged
    {
        var buffers = t_buffers ??= new byte[]?[Slots];
        long bytes = (long)count * sizeof(T) + Alignment;
        var buffer = buffers[slot];
        if (buffer is null || buffer.Length < bytes)
        {
            // Grow geometrically so a sequence of slightly larger calls does not reallocate each time.
            long size = Math.Max(bytes, buffer is null ? 0 : Math.Min((long)buffer.Length * 2, Array.MaxLength));
            buffer = GC.AllocateUninitializedArray<byte>(checked((int)size), pinned: true);
            buffers[slot] = buffer;
        }
        nint address = (nint)Unsafe.AsPointer(ref buffer[0]);
        return (T*)((address + Alignment - 1) & ~(nint)(Alignment - 1));
    }
}
