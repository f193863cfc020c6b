using System.Diagnostics;
using System.Globalization;
using Backprop.NN;

namespace Backprop.Cli.Bench;

/// <summary>
/// Where a mlp_epoch or cnn_10k step's time and managed allocation go (<c>bench mlp --profile</c>): the forward by
/// layer, the backward by operator (timed between the engine's <see cref="IBackwardObserver"/> calls), the optimizer
/// and the batch copy. Allocation is counted over all threads (<see cref="GC.GetTotalAllocatedBytes(bool)"/>), so a
/// kernel's worker threads are included. Timing adds a little overhead of its own.
/// </summary>
public sealed class TrainingStepProfiler : IBackwardObserver
{
    private readonly Dictionary<string, (double Ms, long Bytes, long Count)> _totals = [];
    private long _mark, _markBytes;
    private int _steps;

    /// <summary>Whether laps are counted: off for the first steps, so one-time costs (JIT, pools, optimizer state) stay out.</summary>
    public bool Counting { get; set; }

    /// <summary>Starts timing a phase (the first lap after this call measures from here).</summary>
    public void Start()
    {
        _markBytes = GC.GetTotalAllocatedBytes(precise: true);
        _mark = Stopwatch.GetTimestamp();
    }

    /// <summary>Ends the phase begun at the previous lap or <see cref="Start"/>, under <paramref name="what"/>.</summary>
    public void Lap(string what)
    {
        long now = Stopwatch.GetTimestamp(), bytes = GC.GetTotalAllocatedBytes(precise: true);
        Record(what, now, bytes);
    }

    private void Record(string what, long now, long bytes)
    {
        if (Counting)
        {
            var (ms, b, count) = _totals.GetValueOrDefault(what);
            _totals[what] = (ms + Stopwatch.GetElapsedTime(_mark, now).TotalMilliseconds, b + bytes - _markBytes, count + 1);
        }
        _markBytes = GC.GetTotalAllocatedBytes(precise: true);
        _mark = Stopwatch.GetTimestamp();
    }

    /// <summary>One step's forward, layer by layer for a <see cref="Sequential"/> (layers that run as one operator together).</summary>
    public Tensor Forward(Module<Tensor, Tensor> model, Tensor x)
    {
        if (model is not Sequential sequential)
        {
            var y = model.Forward(x);
            Lap("forward");
            return y;
        }
        for (int i = 0, layers; i < sequential.Count; i += layers)
        {
            x = sequential.ForwardLayer(i, x, out layers);
            Lap(layers == 1
                ? $"forward: {i} {sequential[i].Describe()}"
                : $"forward: {i}-{i + layers - 1} {string.Join(" + ", Enumerable.Range(i, layers).Select(k => sequential[k].Describe()))}");
        }
        return x;
    }

    /// <summary>Marks the end of a step.</summary>
    public void EndStep()
    {
        if (Counting) _steps++;
    }

    // Named with the output's shape, which tells the layers apart; the name is made after the clock is read.
    void IBackwardObserver.OnStep(Tensor output, Node node, Tensor upstream, ReadOnlySpan<Tensor?> inputGradients)
    {
        long now = Stopwatch.GetTimestamp(), bytes = GC.GetTotalAllocatedBytes(precise: true);
        Record($"backward: {node.Name} → {Shapes.Format(output.Shape)}", now, bytes);
    }

    void IBackwardObserver.OnLeaf(Tensor leaf, Tensor gradient) => Lap("backward: (accumulate into parameters)");

    // The pass as it runs unobserved: gradients a layer adds straight into its parameters' Grad count in its own lap.
    bool IBackwardObserver.AllowsAddingIntoLeafGradients => true;

    /// <summary>One line per entry: ms and bytes per step and calls per step, largest time first.</summary>
    public void Write(TextWriter output)
    {
        int steps = Math.Max(1, _steps);
        double totalMs = _totals.Values.Sum(v => v.Ms), totalBytes = _totals.Values.Sum(v => (double)v.Bytes);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{steps} steps counted; per step: {totalMs / steps:0.000} ms, {totalBytes / steps:0} bytes"));
        output.WriteLine("ms/step  bytes/step  calls/step  what");
        foreach (var (what, (ms, bytes, count)) in _totals.OrderByDescending(kv => kv.Value.Ms))
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ms / steps,7:0.000}  {bytes / (double)steps,10:0}  {count / (double)steps,10:0.#}  {what}"));
        output.Flush();
    }
}
