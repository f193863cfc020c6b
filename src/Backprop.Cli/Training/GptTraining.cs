using System.Globalization;
using System.Text.Json;
using Backprop.Cli.Models;
using Backprop.Cli.Text;
using Backprop.Data;
using Backprop.Optim;
using Backprop.Serialization;
using Backprop.Teaching.Reports;
using Backprop.Teaching.Visualization;
using Backprop.Training;

namespace Backprop.Cli.Training;

/// <summary>
/// `backprop train --data text:PATH --model gpt:...`: a character-level GPT trained with the library's
/// <see cref="Trainer{TBatch}"/> on random windows of the text (nanoGPT's shakespeare_char recipe by default: AdamW
/// β = (0.9, 0.99), weight decay 0.1 on matrices and embeddings only, warm-up then cosine to a tenth of the peak,
/// clipping at global norm 1). An epoch is <see cref="BatchesPerEpoch"/> batches; after each, the loss on fixed
/// validation windows is measured and the checkpoint (with the vocabulary, so `generate` can decode), metrics and
/// curves are written. Ctrl+C and --resume behave as for the other models.
/// </summary>
public static class GptTraining
{
    /// <summary>Training batches between evaluations and checkpoints.</summary>
    public const int BatchesPerEpoch = 200;

    /// <summary>Batches of fixed validation windows evaluated after every epoch.</summary>
    public const int ValidationBatches = 20;

    private const string Task = "gpt";

    /// <summary>Whether this run trains a GPT: `--data text:...`, `--model gpt...`, or a resumed GPT checkpoint.</summary>
    public static bool Applies(Arguments args)
    {
        if (args.Text("data") is { } data && (data == "text" || data.StartsWith("text:", StringComparison.Ordinal))) return true;
        if (GptSpec.Names(args.Text("model"))) return true;
        return args.Text("resume") is { Length: > 0 } resume && File.Exists(resume) && SavedConfig(resume) is { } saved
            && saved.TryGetProperty("task", out var task) && task.ValueKind == JsonValueKind.String && task.GetString() == Task;
    }

    /// <summary>Runs the training; returns the exit code.</summary>
    public static int Run(Arguments args, CommandContext context)
    {
        string? resume = args.Text("resume");
        bool json = args.Flag("json"), overwrite = args.Flag("overwrite");
        string? threadsText = args.Text("threads");
        int threads = args.Int("threads", Environment.ProcessorCount, 1, 1024);
        string? outText = args.Text("out");
        if (outText is { Length: 0 }) throw new UsageException("--out needs a directory, got an empty string");
        if (resume is { Length: 0 }) throw new UsageException("--resume needs a checkpoint file, got an empty string");
        if (resume is not null && overwrite) throw new UsageException("--resume continues the run in its directory, --overwrite replaces it: give one");
        args.CheckPositionalCount(0);
        foreach (var classifierOnly in (string[])["momentum"])
            if (args.Text(classifierOnly) is not null) throw new UsageException($"--{classifierOnly} does not apply to a GPT (it trains with AdamW)");
        if (args.Text("optimizer") is { } optimizerName && optimizerName != "adamw")
            throw new UsageException($"--optimizer {optimizerName}: a GPT trains with adamw (decoupled decay on its matrices only)");

        JsonElement? saved = null;
        if (resume is not null)
        {
            if (!File.Exists(resume)) throw new CommandFailedException($"checkpoint '{resume}' does not exist", ExitCodes.Failure);
            saved = SavedConfig(resume) ?? throw new CommandFailedException($"checkpoint '{resume}' holds no training config, so it cannot be resumed", ExitCodes.Failure);
        }
        string Saved(string key, string fallback) =>
            saved is { } s && s.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : fallback;
        double SavedNumber(string key, double fallback) =>
            saved is { } s && s.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : fallback;

        string dataText = args.Text("data") ?? Saved("data", "");
        if (!dataText.StartsWith("text:", StringComparison.Ordinal) || dataText.Length == 5)
            throw new UsageException(dataText.Length == 0 || dataText == "text"
                ? "a GPT trains on a text: --data text:PATH (a UTF-8 file, gzip or not; e.g. --data text:data/moby-dick.txt.gz)"
                : $"--data {dataText}: a GPT trains on a text; expected --data text:PATH");
        string path = dataText[5..];
        string modelText = args.Text("model") ?? Saved("model", "gpt");
        if (saved is not null && args.Text("model") is { } given && GptSpec.Parse(given, 1) != GptSpec.Parse(Saved("model", "gpt"), 1))
            throw new UsageException($"--model {given} differs from the checkpoint's {Saved("model", "gpt")}; a resumed run keeps its model");
        var shape = GptSpec.Parse(modelText, 1);  // checked before the text is read

        int epochs = args.Int("epochs", (int)SavedNumber("epochs", 10), 1, 1_000_000);
        int batchSize = args.Int("batch-size", (int)SavedNumber("batch_size", 12), 1, 65536);
        double lr = args.Double("lr", SavedNumber("lr", 1e-3), positive: true, max: TrainSettings.MaxLearningRate);
        double weightDecay = args.Double("weight-decay", SavedNumber("weight_decay", 0.1), nonNegative: true, max: 1e6);
        string schedule = args.Text("schedule") ?? Saved("schedule", "warmup-cosine");
        if (schedule is not ("warmup-cosine" or "cosine" or "none"))
            throw new UsageException($"--schedule {schedule}: a GPT takes warmup-cosine (default), cosine or none");
        ulong seed = args.Text("seed") is not null ? (ulong)args.Int("seed", 0, 0) : (ulong)SavedNumber("seed", 0);

        var corpus = TextCorpus.Load(path, shape.BlockSize);
        var config = shape with { VocabularySize = corpus.Vocabulary.Count };
        if (saved is not null && Saved("vocabulary", "") != corpus.Vocabulary.ToString())
            throw new CommandFailedException(
                $"{path}: its {corpus.Vocabulary.Count} characters are not the checkpoint's vocabulary of {CharacterVocabulary.Parse(Saved("vocabulary", " ")).Count}; resume with the text it was trained on", ExitCodes.Failure);

        string outDirectory = outText ?? (resume is not null ? Path.GetDirectoryName(Path.GetFullPath(resume))! : NewRunDirectory());
        var directory = new RunDirectory(outDirectory);
        var mode = resume is not null ? RunDirectoryMode.Resume : overwrite ? RunDirectoryMode.Overwrite : RunDirectoryMode.New;
        try { directory.CheckUsable(mode); }
        catch (RunDirectoryException e) { throw new UsageException($"--out {e.Message}"); }

        var model = new Gpt(config, new Generator(seed));
        var parameters = model.Parameters();
        var optimizer = new AdamW(
            [new ParameterGroup(parameters.Where(p => p.Rank == 2)) { WeightDecay = weightDecay }, new ParameterGroup(parameters.Where(p => p.Rank < 2)) { WeightDecay = 0 }],
            lr, beta1: 0.9, beta2: 0.99, eps: 1e-8);
        var train = DataLoader.Create(new RandomWindows([.. corpus.Train.ToArray()], config.BlockSize), batchSize, BatchesPerEpoch,
            Collate, new Generator(seed + 1));
        var validation = FixedWindows(corpus.Validation, config.BlockSize, batchSize, new Generator(seed + 2));
        var curves = new CurvesReport($"{dataText} · {GptSpec.Format(config)}");
        var report = new CurvesOnlyReport(curves.Title,
            [
                new("data", dataText),
                new("model", string.Create(CultureInfo.InvariantCulture, $"{GptSpec.Format(config)}, {model.ParameterCount:N0} parameters")),
                new("vocabulary", string.Create(CultureInfo.InvariantCulture, $"{config.VocabularySize} characters")),
                new("epochs", string.Create(CultureInfo.InvariantCulture, $"{epochs} × {BatchesPerEpoch} batches of {batchSize}×{config.BlockSize}")),
                new("optimizer", string.Create(CultureInfo.InvariantCulture, $"AdamW lr {lr} ({schedule})")),
                new("seed", seed.ToString(CultureInfo.InvariantCulture)),
            ],
            $"a character-level language model predicts the next character among {config.VocabularySize} at every position of a text window; " +
            "there are no test images to draw and no class names, and a confusion matrix over the characters would say little, " +
            "so the report shows the loss and the next-character accuracy on the validation windows");
        var options = new TrainerOptions
        {
            Epochs = epochs,
            BatchSize = batchSize,
            Seed = seed,
            Schedule = schedule == "none" ? null : new GptSchedule(lr, epochs * BatchesPerEpoch, schedule == "warmup-cosine"),
            MaxGradientNorm = 1.0,
            OutputDirectory = outDirectory,
            ConfigJson = ConfigJson(dataText, config, corpus.Vocabulary, epochs, batchSize, lr, weightDecay, schedule, seed),
            Reports = [curves, report],
            DetectAnomaly = args.Flag("detect-anomaly"),
        };
        var trainer = new Trainer<(Tensor X, Tensor Y)>(model, optimizer, train, (batch, log) => Loss(model, batch, log), options, validation);
        string startLine = string.Create(CultureInfo.InvariantCulture,
            $"train: {GptSpec.Format(config)} ({model.ParameterCount:N0} parameters, {config.VocabularySize} characters) on {dataText}: {corpus.TrainCount:N0} training / {corpus.Validation.Length:N0} validation characters, {epochs} epoch{(epochs == 1 ? "" : "s")} of {BatchesPerEpoch} batches of {batchSize}×{config.BlockSize}, AdamW lr {lr} ({schedule}), seed {seed}, {threads} threads");
        var run = new TrainingRunOptions(resume, epochs, overwrite, [curves.FileName, report.FileName], startLine,
            BatchesPerEpoch, threads, threadsText, json);
        return TrainingRun.Run(trainer, directory, run, context, (result, checkpointPath) =>
        {
            var final = result.Final!;
            if (json)
            {
                Json.WriteLine(context.Out, w =>
                {
                    w.WriteString("data", dataText);
                    w.WriteString("model", GptSpec.Format(config));
                    w.WriteNumber("epochs", result.CompletedEpochs);
                    Json.Number(w, "train_loss", final.TrainLoss);
                    Json.Number(w, "validation_loss", final.TestLoss);
                    Json.Number(w, "validation_accuracy", final.TestAccuracy);
                    Json.Number(w, "seconds", Math.Round(result.Seconds, 3));
                    Json.Number(w, "tokens_per_second", Math.Round(result.SamplesPerSecond * config.BlockSize, 1));
                    w.WriteNumber("parameters", model.ParameterCount);
                    w.WriteString("checkpoint", checkpointPath);
                    Json.Kernels(w);
                });
            }
            else
            {
                context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"validation loss {final.TestLoss:0.0000} (next-character accuracy {final.TestAccuracy:0.0000}), train loss {final.TrainLoss:0.0000}, after {result.CompletedEpochs} epochs in {result.Seconds:0.0} s ({result.SamplesPerSecond * config.BlockSize:0} tokens/s)"));
                context.Out.WriteLine($"wrote {directory.CheckpointPath}, {directory.MetricsPath}, {Path.Combine(directory.Path, CurvesReport.DefaultFileName)}, {Path.Combine(directory.Path, report.FileName)}");
                context.Out.WriteLine($"sample with: backprop generate {Commands.TrainCommand.ShellQuote(checkpointPath)} --prompt \"...\"");
            }
            return ExitCodes.Ok;
        });
    }

    /// <summary>The batch's mean cross-entropy over every position; also logs the next-character accuracy.</summary>
    public static Tensor Loss(Gpt model, (Tensor X, Tensor Y) batch, MetricLog log)
    {
        var logits = model.Forward(batch.X);
        var loss = logits.CrossEntropy(batch.Y);
        var predicted = logits.ArgMax(-1).AsSpan<int>();
        var targets = batch.Y.AsSpan<int>();
        int correct = 0;
        for (int i = 0; i < targets.Length; i++) if (predicted[i] == targets[i]) correct++;
        log.Add(MetricLog.Accuracy, correct, targets.Length);
        return loss;
    }

    /// <summary>The training config a GPT checkpoint records: everything needed to resume, and the vocabulary `generate` decodes with.</summary>
    public static string ConfigJson(string data, GptConfig config, CharacterVocabulary vocabulary, int epochs, int batchSize, double lr, double weightDecay, string schedule, ulong seed) =>
        Json.Document(w =>
        {
            w.WriteStartObject();
            w.WriteString("task", Task);
            w.WriteString("data", data);
            w.WriteString("model", GptSpec.Format(config));
            w.WriteString("vocabulary", vocabulary.ToString());
            w.WriteNumber("epochs", epochs);
            w.WriteNumber("batch_size", batchSize);
            w.WriteNumber("batches_per_epoch", BatchesPerEpoch);
            w.WriteNumber("lr", lr);
            w.WriteNumber("weight_decay", weightDecay);
            w.WriteString("schedule", schedule);
            w.WriteNumber("seed", seed);
            w.WriteEndObject();
        }, indented: false);

    /// <summary>The training config of a checkpoint, or null if it has none (or it is not a JSON object).</summary>
    public static JsonElement? SavedConfig(string checkpointPath)
    {
        var metadata = UserErrors.AtCall(() => Checkpoint.Read(checkpointPath)).Metadata;
        if (metadata.TrainingConfigJson is not { } text) return null;
        try
        {
            var root = JsonDocument.Parse(text).RootElement.Clone();
            return root.ValueKind == JsonValueKind.Object ? root : null;
        }
        catch (JsonException) { return null; }
    }

    private static (Tensor X, Tensor Y) Collate(IReadOnlyList<(Tensor Input, Tensor Target)> samples)
    {
        int t = samples[0].Input.Numel;
        var x = new int[samples.Count * t];
        var y = new int[samples.Count * t];
        for (int b = 0; b < samples.Count; b++)
        {
            samples[b].Input.AsSpan<int>().CopyTo(x.AsSpan(b * t, t));
            samples[b].Target.AsSpan<int>().CopyTo(y.AsSpan(b * t, t));
        }
        return (Tensor.FromArray(x, samples.Count, t), Tensor.FromArray(y, samples.Count, t));
    }

    // The same validation windows every epoch (drawn once), so the curve compares like with like.
    private static DataLoader<(Tensor X, Tensor Y)> FixedWindows(ReadOnlyMemory<int> split, int block, int batchSize, Generator generator)
    {
        var windows = new RandomWindows(split.ToArray(), block).Samples(generator).Take(ValidationBatches * batchSize).ToList();
        var batches = Enumerable.Range(0, ValidationBatches).Select(i => Collate(windows.GetRange(i * batchSize, batchSize))).ToList();
        return DataLoader.Create(new ListStream(batches), 1, ValidationBatches, items => items[0]);
    }

    private sealed class ListStream(List<(Tensor X, Tensor Y)> items) : IStreamingDataset<(Tensor X, Tensor Y)>
    {
        public IEnumerable<(Tensor X, Tensor Y)> Samples(Generator? generator) => items;
    }

    private static string NewRunDirectory()
    {
        string stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        string path = Path.Combine("runs", stamp);
        for (int i = 2; Directory.Exists(path); i++) path = Path.Combine("runs", $"{stamp}-{i}");
        return path;
    }
}

/// <summary>nanoGPT's schedule: linear warm-up over the first 5 % of the steps (optional), then cosine from the peak to a tenth of it.</summary>
public sealed class GptSchedule(double peak, int totalSteps, bool warmup) : LearningRateSchedule
{
    /// <inheritdoc/>
    public override double At(int step)
    {
        int w = warmup ? Math.Max(1, totalSteps / 20) : 0;
        if (step < w) return peak * (step + 1) / w;
        double progress = Math.Min(1.0, (double)(step - w) / Math.Max(1, totalSteps - w));
        return peak / 10 + 0.5 * (1 + Math.Cos(Math.PI * progress)) * (peak - peak / 10);
    }
}
