using System.Text;
using System.Text.Json;

namespace Backprop.Training;

/// <summary>
/// Where a run stands, as a checkpoint records it so that resuming continues exactly: the finished epochs' figures,
/// how many batches of the current epoch are done, and the running sums of that epoch. Stored as the
/// <c>progress</c> object of the checkpoint's <c>training_config</c> JSON, next to the caller's settings.
/// </summary>
internal sealed class TrainingState
{
    public const string PropertyName = "progress";

    public List<EpochMetrics> History { get; } = [];
    public int CompletedEpochs => History.Count;
    public int BatchesIntoEpoch { get; set; }
    public double EpochLossSum { get; set; }
    /// <summary>The running sums of the metrics the loss function recorded in this epoch.</summary>
    public MetricLog EpochMetricLog { get; } = new();
    public long EpochSamples { get; set; }
    public double EpochSeconds { get; set; }
    public double EpochTrainingSeconds { get; set; }

    /// <summary>Clears the running sums when an epoch ends.</summary>
    public void StartNextEpoch()
    {
        BatchesIntoEpoch = 0;
        EpochLossSum = 0;
        EpochMetricLog.Clear();
        EpochSamples = 0;
        EpochSeconds = 0;
        EpochTrainingSeconds = 0;
    }

    /// <summary>The caller's settings object (or an empty one) with this state added as <c>progress</c>.</summary>
    public string ToJson(string? configJson)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (configJson is not null)
            {
                using var config = JsonDocument.Parse(configJson);
                if (config.RootElement.ValueKind != JsonValueKind.Object)
                    throw new ArgumentException("trainer: the training config must be a JSON object");
                foreach (var property in config.RootElement.EnumerateObject())
                    if (property.Name != PropertyName) property.WriteTo(w);
            }
            w.WriteStartObject(PropertyName);
            w.WriteNumber("completed_epochs", CompletedEpochs);
            w.WriteNumber("batches_into_epoch", BatchesIntoEpoch);
            Number(w, "epoch_loss_sum", EpochLossSum);
            w.WriteStartArray("epoch_metrics");
            foreach (var (name, sum, count) in EpochMetricLog.Totals)
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                Number(w, "sum", sum);
                Number(w, "count", count);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("epoch_samples", EpochSamples);
            Number(w, "epoch_seconds", EpochSeconds);
            Number(w, "epoch_training_seconds", EpochTrainingSeconds);
            w.WriteStartArray("history");
            foreach (var m in History)
            {
                w.WriteStartObject();
                w.WriteNumber("epoch", m.Epoch);
                Number(w, "train_loss", m.TrainLoss);
                Number(w, "train_accuracy", m.TrainAccuracy);
                Number(w, "test_loss", m.TestLoss);
                Number(w, "test_accuracy", m.TestAccuracy);
                Number(w, "seconds", m.Seconds);
                Metrics(w, "train_metrics", m.TrainMetrics);
                Metrics(w, "test_metrics", m.TestMetrics);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Metrics(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, double> metrics)
    {
        w.WriteStartObject(name);
        foreach (var (key, value) in metrics) Number(w, key, value);
        w.WriteEndObject();
    }

    private static Dictionary<string, double> ReadMetrics(JsonElement e, string name)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        if (e.TryGetProperty(name, out var m))
            foreach (var p in m.EnumerateObject()) metrics[p.Name] = p.Value.ValueKind == JsonValueKind.Null ? double.NaN : p.Value.GetDouble();
        return metrics;
    }

    // JSON has no NaN: a missing test set's figures are written as null and read back as NaN.
    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteNull(name);
    }

    /// <summary>Reads the <c>progress</c> object of a checkpoint's training config; throws <see cref="InvalidDataException"/> naming <paramref name="source"/>.</summary>
    public static TrainingState FromJson(string? json, string source)
    {
        if (json is null) throw new InvalidDataException($"{source}: holds no training config, so it cannot be resumed (was it written by the trainer?)");
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (!doc.RootElement.TryGetProperty(PropertyName, out var p))
                throw new InvalidDataException($"{source}: its training config has no '{PropertyName}', so it cannot be resumed (was it written by the trainer?)");
            var state = new TrainingState
            {
                BatchesIntoEpoch = p.GetProperty("batches_into_epoch").GetInt32(),
                EpochLossSum = Read(p, "epoch_loss_sum"),
                EpochSamples = p.GetProperty("epoch_samples").GetInt64(),
                EpochSeconds = Read(p, "epoch_seconds"),
                EpochTrainingSeconds = Read(p, "epoch_training_seconds"),
            };
            bool metricsConsistent = true;
            if (p.TryGetProperty("epoch_metrics", out var metrics))
            {
                foreach (var m in metrics.EnumerateArray())
                {
                    double sum = Read(m, "sum"), count = Read(m, "count");
                    metricsConsistent &= double.IsFinite(sum) && count > 0;
                    state.EpochMetricLog.Restore(m.GetProperty("name").GetString() ?? throw new FormatException("a metric has no name"), sum, count);
                }
            }
            else if (p.TryGetProperty("epoch_correct", out var correct)) // written before metrics were named: the classifier's accuracy
            {
                long c = correct.GetInt64();
                metricsConsistent = c >= 0 && c <= state.EpochSamples;
                if (state.EpochSamples > 0) state.EpochMetricLog.Restore(MetricLog.Accuracy, c, state.EpochSamples);
            }
            foreach (var m in p.GetProperty("history").EnumerateArray())
                state.History.Add(new EpochMetrics(m.GetProperty("epoch").GetInt32(), Read(m, "train_loss"), Read(m, "train_accuracy"),
                    Read(m, "test_loss"), Read(m, "test_accuracy"), Read(m, "seconds"))
                {
                    TrainMetrics = ReadMetrics(m, "train_metrics"),
                    TestMetrics = ReadMetrics(m, "test_metrics"),
                });
            int completed = p.GetProperty("completed_epochs").GetInt32();
            if (completed != state.History.Count || state.BatchesIntoEpoch < 0 || state.EpochSamples < 0 || !metricsConsistent)
                throw new InvalidDataException(
                    $"{source}: the training progress is inconsistent ({completed} completed epochs, {state.History.Count} in the history, {state.BatchesIntoEpoch} batches into the epoch, {state.EpochSamples} samples{(metricsConsistent ? "" : ", metric sums that do not fit them")})");
            return state;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{source}: the training progress in its metadata is malformed: {e.Message}", e);
        }
    }

    /// <summary>
    /// Checks the position against the run it is resumed into: a position past the end of an epoch would otherwise
    /// make the trainer skip batches without end.
    /// </summary>
    public void CheckFits(int batchesPerEpoch, string source)
    {
        if (BatchesIntoEpoch > batchesPerEpoch) // equal: interrupted after the last batch, before the epoch was closed
            throw new InvalidDataException(
                $"{source}: the training progress says {BatchesIntoEpoch} batches into an epoch, but an epoch of this data and batch size has {batchesPerEpoch}");
    }

    private static double Read(JsonElement e, string name)
    {
        var v = e.GetProperty(name);
        return v.ValueKind == JsonValueKind.Null ? double.NaN : v.GetDouble();
    }
}
