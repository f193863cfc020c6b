using System.Diagnostics;
using System.Globalization;
using Backprop.Cli.Models;

namespace Backprop.Cli.Bench;

/// <summary>
/// Where a gpt_char iteration's time and managed allocation go (<c>bench gpt --profile</c>): the forward by the
/// model's sections (<see cref="GptProfile"/>), the backward by operator (each node's backward, timed between the
/// engine's <see cref="IBackwardObserver"/> calls), and the optimizer. Only iterations run while
/// <see cref="Counting"/> is set are counted, so the first ones (compiling every method they call, filling the buffer
/// pools) do not inflate the means. Timing adds a little overhead of its own.
/// </summary>
public sealed class GptProfiler : IBackwardObserver
{
    private readonly Dictionary<string, (double Ms, long Bytes, long Count)> _totals = [];
    private long _mark, _markBytes;
    private int _counted;

    /// <summary>Whether what is recorded now counts (set per iteration by the workload).</summary>
    public bool Counting { get; set; }

    /// <summary>Marks the end of an iteration: counted when <see cref="Counting"/> is set.</summary>
    public void EndIteration()
    {
        if (Counting)
            _counted++;
    }

    /// <summary>Adds <paramref name="ms"/> and <paramref name="bytes"/> to <paramref name="what"/>.</summary>
    public void Add(string what, double ms, long bytes)
    {
        if (!Counting)
            return;
        var (total, totalBytes, count) = _totals.GetValueOrDefault(what);
        _totals[what] = (total + ms, totalBytes + bytes, count + 1);
    }

    /// <summary>Managed bytes allocated so far by every thread (precise, so a section's difference is exact).</summary>
    public static long AllocatedBytes() => GC.GetTotalAllocatedBytes(precise: true);

    /// <summary>The forward pass and loss, timed by section.</summary>
    public Tensor Forward(Gpt model, Tensor x, Tensor y)
    {
        GptProfile.Sink = this;
        try
        {
            var logits = model.Forward(x);
            using (GptProfile.Section("forward: cross-entropy"))
                return Gpt.Loss(logits, y);
        }
        finally { GptProfile.Sink = null; }
    }

    /// <summary>The backward pass, timed by operator.</summary>
    public void Backward(Tensor loss)
    {
        long start = Stopwatch.GetTimestamp(), startBytes = AllocatedBytes();
        (_mark, _markBytes) = (start, startBytes);
        loss.Backward(this);
        Add("backward: (total)", Stopwatch.GetElapsedTime(start).TotalMilliseconds, AllocatedBytes() - startBytes);
    }

    void IBackwardObserver.OnStep(Tensor output, Node node, Tensor upstream, ReadOnlySpan<Tensor?> inputGradients) => Lap("backward: " + node.Name);

    void IBackwardObserver.OnLeaf(Tensor leaf, Tensor gradient) => Lap("backward: (accumulate into parameters)");

    // The pass as it runs unobserved: gradients a layer adds straight into its parameters' Grad count in its own lap.
    bool IBackwardObserver.AllowsAddingIntoLeafGradients => true;

    private void Lap(string what)
    {
        long now = Stopwatch.GetTimestamp(), bytes = AllocatedBytes();
        Add(what, Stopwatch.GetElapsedTime(_mark, now).TotalMilliseconds, bytes - _markBytes);
        (_mark, _markBytes) = (now, bytes);
    }

    /// <summary>One line per entry: ms, bytes and calls per counted iteration, largest time first.</summary>
    public void Write(TextWriter output)
    {
        int iters = Math.Max(1, _counted);
        output.WriteLine($"{_counted} iterations counted (the first ones left out)");
        output.WriteLine("ms/iter  bytes/iter  calls/iter  what");
        foreach (var (what, (ms, bytes, count)) in _totals.OrderByDescending(kv => kv.Value.Ms))
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ms / iters,7:0.000}  {bytes / (double)iters,10:0}  {count / (double)iters,10:0.#}  {what}"));
        output.Flush();
    }
}
