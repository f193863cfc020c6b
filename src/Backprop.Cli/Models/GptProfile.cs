using System.Diagnostics;

namespace Backprop.Cli.Models;

/// <summary>
/// Optional timing (and allocation count) of the GPT's forward sections for <c>bench gpt --profile</c>. When no sink is set (always, outside
/// that command) a section costs one null check.
/// </summary>
public static class GptProfile
{
    /// <summary>Where section times go, or null (not timing).</summary>
    [ThreadStatic] internal static Bench.GptProfiler? Sink;

    /// <summary>Times the code until the returned value is disposed under <paramref name="name"/>.</summary>
    public static Timer Section(string name) => new(Sink, name);

    /// <summary>A running section.</summary>
    public readonly struct Timer(Bench.GptProfiler? sink, string name) : IDisposable
    {
        private readonly long _start = sink is null ? 0 : Stopwatch.GetTimestamp();
        private readonly long _startBytes = sink is null ? 0 : Bench.GptProfiler.AllocatedBytes();

        /// <inheritdoc/>
        public void Dispose() => sink?.Add(name, Stopwatch.GetElapsedTime(_start).TotalMilliseconds, Bench.GptProfiler.AllocatedBytes() - _startBytes);
    }
}
