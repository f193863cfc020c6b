using System.Globalization;
using System.Text;
using System.Text.Json;
using Backprop.NN;
using Backprop.Optim;

namespace Backprop.Cli.Training;

/// <summary>
/// Everything `backprop train` needs to know to train, resolved from the command line, then (when resuming) the
/// checkpoint's saved settings, then the defaults of the chosen data set. Stored in the checkpoint as JSON, so a
/// resumed run continues with the settings it started with.
/// </summary>
public sealed record TrainSettings
{
    /// <summary>The optimizers `--optimizer` accepts.</summary>
    public static readonly string[] Optimizers = ["sgd", "adam", "adamw"];
    /// <summary>The schedules `--schedule` accepts.</summary>
    public static readonly string[] Schedules = ["none", "step", "cosine", "warmup-cosine"];

    /// <summary>
    /// The largest `--lr`: a step size beyond it sends any standardised model's weights to infinity within a step
    /// (and a schedule's products of it overflow near 1e308), so such a value is refused with this bound.
    /// </summary>
    public const double MaxLearningRate = 1000;

    /// <summary>The data set (`--data`).</summary>
    public required DataChoice Data { get; init; }
    /// <summary>The architecture (`--model`).</summary>
    public required ModelSpec Model { get; init; }
    /// <summary>Epochs the run ends after (`--epochs`).</summary>
    public required int Epochs { get; init; }
    /// <summary>Samples per step (`--batch-size`).</summary>
    public required int BatchSize { get; init; }
    /// <summary>The peak learning rate (`--lr`).</summary>
    public required double LearningRate { get; init; }
    /// <summary>sgd, adam or adamw (`--optimizer`).</summary>
    public required string Optimizer { get; init; }
    /// <summary>SGD's momentum (0 for the Adam family).</summary>
    public required double Momentum { get; init; }
    /// <summary>The L2 (SGD, Adam) or decoupled (AdamW) weight decay.</summary>
    public required double WeightDecay { get; init; }
    /// <summary>none, step, cosine or warmup-cosine (`--schedule`).</summary>
    public required string Schedule { get; init; }
    /// <summary>Seed of the initial weights and of the samples' order (`--seed`).</summary>
    public required ulong Seed { get; init; }

    /// <summary>The defaults of one data set (see `backprop train --help`).</summary>
    public sealed record Defaults(string Model, int Epochs, int BatchSize, double LearningRate);

    /// <summary>Per data set defaults; the optimizer defaults to Adam with a cosine schedule everywhere.</summary>
    public static Defaults DefaultsFor(string dataKind) => dataKind switch
    {
        "digits" => new("mlp:256,128", 40, 32, 1e-3),
        "fashion-mnist" or "mnist" => new("mlp:256,128", 20, 64, 1e-3),
        "quadrants" => new("mlp:16", 20, 32, 1e-2),
        "spiral" => new("mlp:64,64", 60, 32, 1e-2),
        "moons" => new("mlp:16,16", 30, 32, 1e-2),
        _ => new("mlp:64", 50, 32, 1e-3), // csv
    };

    /// <summary>
    /// Reads the options; each one not given comes from <paramref name="saved"/> (a resumed checkpoint's settings)
    /// when present, else from the data set's defaults. Throws <see cref="UsageException"/> for bad values.
    /// </summary>
    public static TrainSettings Resolve(Arguments args, JsonElement? saved)
    {
        string? Saved(string name) => saved is { } s && s.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText() : null;

        string? dataText = args.Text("data");
        string? positional = args.Positional.Count > 0 ? args.Positional[0] : null;
        var data = dataText is null && Saved("data") is { } savedData
            ? DataChoice.Parse("train", savedData, null)
            : DataChoice.Parse("train", dataText, positional);
        var defaults = DefaultsFor(data.Kind);

        string modelText = args.Text("model") ?? Saved("model") ?? defaults.Model;
        ModelSpec model;
        try { model = ModelSpec.Parse(modelText); }
        catch (ArgumentException e) { throw new UsageException($"--model: {e.Message}"); }

        string optimizer = (args.Text("optimizer") ?? Saved("optimizer") ?? "adam").ToLowerInvariant();
        if (!Optimizers.Contains(optimizer))
            throw new UsageException($"unknown optimizer '{optimizer}'; expected one of {string.Join(", ", Optimizers)}");
        string schedule = (args.Text("schedule") ?? Saved("schedule") ?? "cosine").ToLowerInvariant();
        if (!Schedules.Contains(schedule))
            throw new UsageException($"unknown schedule '{schedule}'; expected one of {string.Join(", ", Schedules)}");
        if (args.Text("momentum") is not null && optimizer != "sgd")
            throw new UsageException($"--momentum applies to --optimizer sgd only (Adam keeps its own moment estimates)");

        return new TrainSettings
        {
            Data = data,
            Model = model,
            Epochs = Int(args, "epochs", Saved("epochs"), defaults.Epochs, 1, 1_000_000),
            BatchSize = Int(args, "batch-size", Saved("batch_size"), defaults.BatchSize, 1, 1 << 20),
            LearningRate = Number(args, "lr", Saved("lr"), defaults.LearningRate, positive: true, max: MaxLearningRate),
            Optimizer = optimizer,
            Momentum = optimizer == "sgd" ? Number(args, "momentum", Saved("momentum"), 0.9, positive: false) : 0,
            WeightDecay = Number(args, "weight-decay", Saved("weight_decay"), optimizer == "adamw" ? 0.01 : 0, positive: false),
            Schedule = schedule,
            Seed = (ulong)Int(args, "seed", Saved("seed"), 0, 0, int.MaxValue),
        };
    }

    private static int Int(Arguments args, string option, string? saved, int fallback, int min, int max)
    {
        if (saved is not null && int.TryParse(saved, NumberStyles.Integer, CultureInfo.InvariantCulture, out int s)) fallback = s;
        return args.Int(option, fallback, min, max);
    }

    private static double Number(Arguments args, string option, string? saved, double fallback, bool positive, double max = double.MaxValue)
    {
        if (saved is not null && double.TryParse(saved, NumberStyles.Float, CultureInfo.InvariantCulture, out double s)) fallback = s;
        return args.Double(option, fallback, positive: positive, nonNegative: !positive, max: max);
    }

    /// <summary>The optimizer over <paramref name="parameters"/>.</summary>
    public Optimizer CreateOptimizer(IEnumerable<Tensor> parameters) => Optimizer switch
    {
        "sgd" => new Sgd(parameters, LearningRate, momentum: Momentum, weightDecay: WeightDecay),
        "adamw" => new AdamW(parameters, LearningRate, weightDecay: WeightDecay),
        _ => new Adam(parameters, LearningRate, weightDecay: WeightDecay),
    };

    /// <summary>
    /// The learning rate per optimizer step (batch) over <paramref name="batchesPerEpoch"/> × epochs steps:
    /// none is constant; step divides by 10 after each third of the run; cosine anneals to 0 at the end;
    /// warmup-cosine first rises linearly from a third of the rate over the first epoch (at most a tenth of the run).
    /// </summary>
    public LearningRateSchedule CreateSchedule(int batchesPerEpoch)
    {
        int total = Math.Max(1, batchesPerEpoch * Epochs);
        switch (Schedule)
        {
            case "step": return new StepSchedule(LearningRate, Math.Max(1, total / 3), gamma: 0.1);
            case "cosine": return new CosineAnnealingSchedule(LearningRate, total);
            case "warmup-cosine":
                int warmup = Math.Max(1, Math.Min(batchesPerEpoch, total / 10));
                return new LinearWarmupSchedule(warmup, new CosineAnnealingSchedule(LearningRate, Math.Max(1, total - warmup)));
            default: return new ConstantSchedule(LearningRate);
        }
    }

    /// <summary>One line describing the optimizer and schedule, for the run's header.</summary>
    public string DescribeOptimizer() => string.Create(CultureInfo.InvariantCulture,
        $"{Optimizer} lr {LearningRate:R}{(Optimizer == "sgd" ? $" momentum {Momentum:R}" : "")}{(WeightDecay > 0 ? $" weight decay {WeightDecay:R}" : "")}, schedule {Schedule}");

    /// <summary>The settings as a JSON object (plus <paramref name="extra"/> properties written by the caller).</summary>
    public string ToJson(Action<Utf8JsonWriter>? extra = null)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("data", Data.ToString());
            w.WriteString("model", Model.Text);
            w.WriteNumber("epochs", Epochs);
            w.WriteNumber("batch_size", BatchSize);
            w.WriteNumber("lr", LearningRate);
            w.WriteString("optimizer", Optimizer);
            if (Optimizer == "sgd") w.WriteNumber("momentum", Momentum);
            w.WriteNumber("weight_decay", WeightDecay);
            w.WriteString("schedule", Schedule);
            w.WriteNumber("seed", Seed);
            extra?.Invoke(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
