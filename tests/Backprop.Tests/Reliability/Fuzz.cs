using System.Diagnostics;
using CsCheck;

namespace Backprop.Tests.Reliability;

/// <summary>
/// Runs property checks over random and mutated inputs: every input must either succeed or throw one of the
/// documented exception types, within a time and an allocation bound. The iteration count is
/// <see cref="Iterations"/>: small by default so the suite stays fast, and raised for a long run with the
/// environment variable BACKPROP_FUZZ_ITERATIONS (e.g. 1000000). A failure names the shrunk input and the
/// seed that replays it.
/// </summary>
internal static class Fuzz
{
    /// <summary>Iterations per property: BACKPROP_FUZZ_ITERATIONS, or 1,500.</summary>
    public static int Iterations =>
        int.TryParse(Environment.GetEnvironmentVariable("BACKPROP_FUZZ_ITERATIONS"), out int n) && n > 0 ? n : 1_500;

    /// <summary>Bytes one input may allocate: the inputs are small, so more means a size read from the input was trusted.</summary>
    public const long AllocationBound = 64 << 20;

    /// <summary>Time one input may take; far above any honest case, far below a hang.</summary>
    public static readonly TimeSpan TimeBound = TimeSpan.FromSeconds(5);

    public static void Check<T>(Gen<T> inputs, Action<T> run, Func<T, string>? print, params Type[] documented)
    {
        inputs.Sample(input =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            try
            {
                run(input);
            }
            catch (Exception e) when (documented.Contains(e.GetType()))
            {
                if (string.IsNullOrWhiteSpace(e.Message)) throw new InvalidOperationException($"{e.GetType().Name} without a message");
            }
            clock.Stop();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated > AllocationBound) throw new InvalidOperationException($"allocated {allocated} bytes for one input");
            if (clock.Elapsed > TimeBound) throw new InvalidOperationException($"took {clock.Elapsed} for one input");
        }, iter: Iterations, threads: 1, print: print);
    }

    /// <summary>One edit of a byte string: replace, insert, delete or truncate at a position.</summary>
    public readonly record struct Edit(int Kind, int Position, byte Value);


    /// <summary>Interesting bytes for replacement: digits and JSON punctuation as often as noise.</summary>
    public static readonly Gen<byte> InterestingByte =
        Gen.Frequency((3, Gen.Byte), (2, Gen.OneOf("0123456789-+.eE[]{}\",: \n\\"u8.ToArray())), (1, Gen.OneOf<byte>(0, 0x7f, 0x80, 0xff)));

    public static readonly Gen<Edit[]> Edits =
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, int.MaxValue], InterestingByte, (k, p, v) => new Edit(k, p, v)).Array[1, 6];

    public static byte[] Apply(byte[] original, Edit[] edits)
    {
        var bytes = new List<byte>(original);
        foreach (Edit edit in edits)
        {
            int at = bytes.Count == 0 ? 0 : edit.Position % (bytes.Count + (edit.Kind == 1 ? 1 : 0));
            switch (edit.Kind)
            {
                case 0 when bytes.Count > 0: bytes[at] = edit.Value; break;
                case 1: bytes.Insert(at, edit.Value); break;
                case 2 when bytes.Count > 0: bytes.RemoveAt(at); break;
                case 3: bytes.RemoveRange(at, bytes.Count - at); break;
            }
        }
        return [.. bytes];
    }

    /// <summary>A seed chosen from <paramref name="seeds"/>, then edited.</summary>
    public static Gen<byte[]> Mutated(IReadOnlyList<byte[]> seeds) =>
        Gen.Select(Gen.Int[0, seeds.Count - 1], Edits, (i, edits) => Apply(seeds[i], edits));

    public static string Hex(byte[] bytes) => bytes.Length <= 256 ? Convert.ToHexString(bytes) : Convert.ToHexString(bytes, 0, 256) + $"… ({bytes.Length} bytes)";
}
