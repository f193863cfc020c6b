using System.Diagnostics;
using System.Globalization;
using Backprop.Cli.Models;

namespace Backprop.Cli.Bench;

/// <summary>
/// Where a gpt_char iteration's time goes (<c>bench gpt --profile</c>): the forward by the model's sections
/// (<see cref="GptProfile"/>), the backward by operator (each node's backward, timed between the engine's
/// <see cref="IBackwardObserver"/> calls), and the optimizer. Timing adds a little overhead of its own.
/// </summary>
public sealed class GptProfiler : IBackwardObserver
{
    private readonly Dictionary<string, (double Ms, long Count)> _totals = [];
    private long _mark;

    /// <summary>Adds <paramref name="ms"/> to <paramref name="what"/>.</summary>
    public void Add(string what, double ms)
    {
        var (total, count) = _totals.GetValueOrDefault(what);
        _totals[what] = (total + ms, count + 1);
    }

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
        long start = Stopwatch.GetTimestamp();
        _mark = start;
        loss.Backward(this);
        Add("backward: (total)", Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    void IBackwardObserver.OnStep(Tensor output, Node node, Tensor upstream, ReadOnlySpan<Tensor?> inputGradients) => Lap("backward: " + node.Name);

    void IBackwardObserver.OnLeaf(Tensor leaf, Tensor gradient) => Lap("backward: (accumulate into parameters)");

    private void Lap(string what)
    {
        long now = Stopwatch.GetTimestamp();
        Add(what, Stopwatch.GetElapsedTime(_mark, now).TotalMilliseconds);
        _mark = now;
    }

    /// <summary>One line per entry: ms per iteration and calls per iteration, largest first.</summary>
    public void Write(TextWriter output, int iters)
    {
        output.WriteLine("ms/iter  calls/iter  what");
        foreach (var (what, (ms, count)) in _totals.OrderByDescending(kv => kv.Value.Ms))
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ms / iters,7:0.000}  {count / (double)iters,10:0.#}  {what}"));
        output.Flush();
    }
}
