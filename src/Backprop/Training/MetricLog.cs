using System.Runtime.InteropServices;

namespace Backprop.Training;

/// <summary>
/// Where a loss function records metrics besides the loss (the role of Lightning's <c>self.log</c>): each call adds to
/// a named running sum and count, and the epoch's figure is Σ sum / Σ count over its batches. Accuracy is
/// <c>Add("accuracy", correct, batchSize)</c>; a per-batch mean is <c>Add("name", mean · n, n)</c>.
/// </summary>
/// <remarks>The name <c>accuracy</c> is also shown as the trainer's accuracy (progress bar, curves, metrics.csv).</remarks>
public sealed class MetricLog
{
    /// <summary>The metric the trainer shows as accuracy.</summary>
    public const string Accuracy = "accuracy";

    private readonly Dictionary<string, (double Sum, double Count)> _totals = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    /// <summary>Adds <paramref name="sum"/> over <paramref name="count"/> samples to metric <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is empty or holds a character other than a letter, digit or '_'; the count is not positive.</exception>
    public void Add(string name, double sum, double count = 1)
    {
        ref var total = ref CollectionsMarshal.GetValueRefOrAddDefault(_totals, name, out bool exists);
        if (!exists)
        {
            if (string.IsNullOrEmpty(name) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                _totals.Remove(name);
                throw new ArgumentException($"metrics: '{name}' is not a metric name (letters, digits and '_'; it becomes a column of metrics.csv)");
            }
            _order.Add(name);
        }
        if (!(count > 0))
            throw new ArgumentException($"metrics: {name} was added with count {count}; a count is the (positive) number of samples the sum is over");
        total = (total.Sum + sum, total.Count + count);
    }

    /// <summary>The metric's Σ sum / Σ count so far; NaN when it was never added.</summary>
    public double this[string name] => _totals.TryGetValue(name, out var t) ? t.Sum / t.Count : double.NaN;

    /// <summary>The names added so far, in the order they were first added.</summary>
    public IReadOnlyList<string> Names => _order;

    /// <summary>The running totals, for checkpoints.</summary>
    internal IEnumerable<(string Name, double Sum, double Count)> Totals => _order.Select(n => (n, _totals[n].Sum, _totals[n].Count));

    /// <summary>Every metric's mean, by name.</summary>
    internal Dictionary<string, double> Means() => _order.ToDictionary(n => n, n => this[n], StringComparer.Ordinal);

    internal void Clear()
    {
        _totals.Clear();
        _order.Clear();
    }

    internal void Restore(string name, double sum, double count)
    {
        _totals[name] = (sum, count);
        if (!_order.Contains(name)) _order.Add(name);
    }
}
