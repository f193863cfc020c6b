using System.Runtime.CompilerServices;

namespace Backprop;

/// <summary>
/// The version counter of tensor storage, as PyTorch keeps one: every in-place write to a buffer (indexer, Fill,
/// CopyFrom, an optimizer step, gradient accumulation) is stamped with a fresh value of one global counter, so views
/// of one buffer share their version. A node remembers the counter when it is recorded; a saved tensor whose buffer
/// was stamped later was modified after the forward pass read it, and its gradient would silently be wrong.
/// </summary>
/// <remarks>
/// Zero cost while nothing is written in place: reading a saved value compares the node's counter with the global one,
/// and only when some write happened since (anywhere) looks up the saved buffer's own stamp.
/// </remarks>
internal static class StorageVersions
{
    private sealed class Stamp
    {
        public long Version;
        public volatile string Writer = "";
    }

    private static long _counter;
    private static readonly ConditionalWeakTable<Array, Stamp> Stamps = new();

    /// <summary>The counter: the version of the latest in-place write anywhere.</summary>
    public static long Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref _counter);
    }

    /// <summary>Records an in-place write to <paramref name="storage"/> by <paramref name="writer"/> ("Fill", "Sgd.Step").</summary>
    public static void Bump(Array storage, string writer)
    {
        // No lock: two threads writing one buffer at once is a race in the caller's program anyway, and the worst it
        // can do here is name the other writer in the message or keep the older of two simultaneous versions.
        var stamp = Stamps.GetOrCreateValue(storage);
        stamp.Writer = writer;
        Volatile.Write(ref stamp.Version, Interlocked.Increment(ref _counter));
    }

    /// <summary>What last wrote into <paramref name="storage"/> after <paramref name="version"/>, or null if nothing did.</summary>
    public static string? WriterSince(Array storage, long version)
    {
        if (!Stamps.TryGetValue(storage, out var stamp)) return null;
        return Volatile.Read(ref stamp.Version) > version ? stamp.Writer : null;
    }
}
