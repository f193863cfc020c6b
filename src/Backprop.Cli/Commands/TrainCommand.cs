using Backprop.Teaching.Reports;
using Backprop.Teaching.Visualization;
using System.Globalization;
using System.Text.Json;
using Backprop.Cli.Inference;
using Backprop.Cli.Training;
using Backprop.Serialization;
using Backprop.Training;

namespace Backprop.Cli.Commands;

/// <summary>
/// `backprop train`: trains a classifier with the library's <see cref="Trainer"/> and writes the checkpoint, the
/// per-epoch metrics and the curves to the output directory; Ctrl+C saves a checkpoint that `--resume` continues.
/// </summary>
public sealed class TrainCommand : ICommand
{
    public string Name => "train";
    public string Summary => "train a network (MLP, CNN) on digits, Fashion-MNIST, MNIST, a CSV file or a synthetic set, or a character-level GPT on a text";
    public string Description => "Trains a classifier with softmax cross-entropy and writes to --out: model.safetensors (weights, optimizer state, settings and progress: `backprop train --resume` continues it), metrics.csv (per epoch: train and test loss and accuracy, seconds), curves.svg, and when it finishes report.html (curves with a log-scale switch, the confusion matrix, the most confident mistakes, saliency maps and first-layer weights, in one offline page). Inputs are standardised with the training set's mean and deviation (images: one over all pixels; feature vectors: per feature). With no options it trains an MLP on the embedded digits.";

    public PositionalSpec? Positional { get; } = new("PATH", "the directory or file of --data SET when it does not follow a colon (--data csv data.csv)", 1);

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("data", "SET", "digits (embedded, default) | fashion-mnist [DIR] | mnist DIR | csv FILE | quadrants | spiral | moons (a path may also follow a colon: csv:data.csv). csv: every column a number, the last one the class label 0..K-1; 20% of each class is held out as the test set | text:FILE (a UTF-8 text, gzip or not: a character-level GPT, see below)"),
        new("model", "SPEC", "linear | mlp:H1,H2,... | cnn, optionally +bn and +dropout:P (e.g. mlp:256,128+dropout:0.2); for text: gpt or gpt:layers=L,heads=H,embed=C,block=T (default gpt:layers=4,heads=4,embed=128,block=64)"),
        new("epochs", "N", "passes over the training set"),
        new("batch-size", "N", "samples per step"),
        new("lr", "X", "(peak) learning rate, in (0, 1000]"),
        new("optimizer", "O", "sgd | adam | adamw (default adam)"),
        new("momentum", "X", "sgd only (default 0.9)"),
        new("weight-decay", "X", "L2: sgd and adam add X·W to the gradient; adamw decays decoupled (default 0; adamw 0.01)"),
        new("schedule", "S", "none | step (÷10 after each third) | cosine (to 0) | warmup-cosine (default cosine)"),
        new("seed", "N", "initial weights and the order of the samples (default 0); same seed, same weights"),
        new("threads", "N", "kernel threads (default: all cores); results are bit-identical for any N"),
        new("out", "DIR", "output directory (default runs/<timestamp>; with --resume the checkpoint's directory); one that already holds a run is refused without --resume or --overwrite"),
        new("resume", "FILE", "continue from a checkpoint; options not given are taken from it (raise --epochs to extend)"),
        new("overwrite", null, "replace the run already in --out (its checkpoint, metrics and curves are deleted first)"),
        new("detect-anomaly", null, "stop at the first NaN or infinity in a forward or backward pass, naming the operator, its module and the line that made it (slower)"),
        new("json", null, "print one JSON summary on stdout at the end; progress stays on stderr"),
    ];

    public string Epilogue => """
        Defaults per data set (model, epochs, batch size, learning rate):
          digits          mlp:256,128   40  32  0.001
          fashion-mnist   mlp:256,128   20  64  0.001      (mnist the same)
          csv             mlp:64        50  32  0.001
          quadrants       mlp:16        20  32  0.01
          spiral          mlp:64,64     60  32  0.01
          moons           mlp:16,16     30  32  0.01

        Character-level GPT (--data text:FILE, e.g. text:data/moby-dick.txt.gz): the vocabulary is the file's distinct
        characters (stored in the checkpoint), the first 90% trains and the rest validates, batches are random windows
        of block characters. nanoGPT's shakespeare_char recipe: 10 epochs of 200 batches of 12, AdamW lr 0.001
        β (0.9, 0.99), weight decay 0.1 on matrices and embeddings only, 5% warm-up then cosine to lr/10, gradient
        clipping at norm 1. After each epoch: the loss on 20 fixed validation batches, checkpoint, metrics, curves.
        Sample from it with `backprop generate CHECKPOINT --prompt TEXT`.

        Ctrl+C (SIGINT) or SIGTERM stops before the next batch, saves a checkpoint and prints the command that resumes
        (exit code 130; 143 for SIGTERM). A second train on the same --out refuses while the first runs.

        """;

    public int Run(Arguments args, CommandContext context)
    {
        if (GptTraining.Applies(args)) return GptTraining.Run(args, context);
        string? resume = args.Text("resume");
        bool json = args.Flag("json");
        bool overwrite = args.Flag("overwrite");
        string? threadsText = args.Text("threads");
        int threads = args.Int("threads", Environment.ProcessorCount, 1, 1024);
        string? outText = args.Text("out");
        if (outText is { Length: 0 }) throw new UsageException("--out needs a directory, got an empty string");
        if (resume is { Length: 0 }) throw new UsageException("--resume needs a checkpoint file, got an empty string");
        if (resume is not null && overwrite) throw new UsageException("--resume continues the run in its directory, --overwrite replaces it: give one");
        Checkpoint? checkpoint = null;
        JsonElement? saved = null;
        if (resume is not null)
        {
            if (!File.Exists(resume)) throw new CommandFailedException($"checkpoint '{resume}' does not exist", ExitCodes.Failure);
            checkpoint = UserErrors.AtCall(() => Checkpoint.Load(resume));
            if (checkpoint.Metadata.TrainingConfigJson is { } config)
            {
                try { saved = JsonDocument.Parse(config).RootElement.Clone(); }
                catch (JsonException e) { throw new CommandFailedException($"checkpoint '{resume}': its training config is not valid JSON ({e.Message})", ExitCodes.Failure); }
            }
        }
        var settings = TrainSettings.Resolve(args, saved);
        args.CheckPositionalCount(settings.Data.Path is not null && args.Text("data") is { } d && !d.Contains(':') ? 1 : 0);

        string outDirectory = outText ?? (resume is not null ? Path.GetDirectoryName(Path.GetFullPath(resume))! : NewRunDirectory());
        var directory = new RunDirectory(outDirectory);
        var mode = resume is not null ? RunDirectoryMode.Resume : overwrite ? RunDirectoryMode.Overwrite : RunDirectoryMode.New;
        try { directory.CheckUsable(mode); }
        catch (RunDirectoryException e) { throw new UsageException($"--out {e.Message}"); }

        var data = TrainingData.Load(settings.Data);
        var model = UserErrors.AtCall(() => settings.Model.Build(data.Train.SampleShape, data.Train.NumClasses, new Generator(settings.Seed)));
        // The optimizer, schedule and trainer check the user's numbers (momentum, decay, sizes) with ArgumentExceptions.
        var optimizer = UserErrors.AtCall(() => settings.CreateOptimizer(model.Parameters()));
        int batchesPerEpoch = (data.Train.Count + settings.BatchSize - 1) / settings.BatchSize;
        var curves = new CurvesReport($"{settings.Data} · {settings.Model.Text}");
        var options = new TrainerOptions
        {
            Epochs = settings.Epochs,
            BatchSize = settings.BatchSize,
            Seed = settings.Seed,
            Schedule = UserErrors.AtCall(() => settings.CreateSchedule(batchesPerEpoch)),
            OutputDirectory = outDirectory,
            ModelSpec = settings.Model.Text,
            ConfigJson = settings.ToJson(data.WriteStandardization),
            Reports = [curves],
            DetectAnomaly = args.Flag("detect-anomaly"),
        };
        var trainer = UserErrors.AtCall(() => Trainer.Classifier(model, optimizer, data.Train, data.Test, options));
        string startLine = string.Create(CultureInfo.InvariantCulture,
            $"train: {settings.Model.Text} ({model.ParameterCount:N0} parameters) on {settings.Data}: {data.Train.Count:N0} training / {data.Test.Count:N0} test samples, {settings.Epochs} epoch{(settings.Epochs == 1 ? "" : "s")} of batch {settings.BatchSize}, {settings.DescribeOptimizer()}, seed {settings.Seed}, {threads} threads");
        var run = new TrainingRunOptions(resume, settings.Epochs, overwrite, [curves.FileName, TrainingReport.DefaultFileName], startLine,
            batchesPerEpoch, threads, threadsText, json);
        return TrainingRun.Run(trainer, directory, run, context, (result, checkpointPath) =>
        {
            var final = result.Final!;
            string reportPath = Path.Combine(directory.Path, TrainingReport.DefaultFileName);
            // Written once the run is over, not after every epoch: it takes a pass over the test set of its own.
            ClassifierReport.Write(reportPath, curves.Title, ReportFacts(settings, model, result, final), result.History, "",
                model, data.Test, data.Train.SampleShape, ClassNames.For(settings.Data.Kind, data.Train.NumClasses), data.Standardization, context.Cancellation);
            if (json)
            {
                Json.WriteLine(context.Out, w =>
                {
                    w.WriteString("data", settings.Data.ToString());
                    w.WriteString("model", settings.Model.Text);
                    w.WriteNumber("epochs", result.CompletedEpochs);
                    Json.Number(w, "train_accuracy", final.TrainAccuracy);
                    Json.Number(w, "test_accuracy", final.TestAccuracy);
                    Json.Number(w, "test_loss", final.TestLoss);
                    Json.Number(w, "seconds", Math.Round(result.Seconds, 3));
                    Json.Number(w, "samples_per_second", Math.Round(result.SamplesPerSecond, 1));
                    w.WriteNumber("parameters", model.ParameterCount);
                    w.WriteString("checkpoint", checkpointPath);
                    w.WriteString("report", reportPath);
                    Json.Kernels(w);
                });
            }
            else
            {
                context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"test accuracy {final.TestAccuracy:0.0000} (loss {final.TestLoss:0.0000}), train accuracy {final.TrainAccuracy:0.0000}, after {result.CompletedEpochs} epochs in {result.Seconds:0.0} s ({result.SamplesPerSecond:0} samples/s)"));
                context.Out.WriteLine($"wrote {directory.CheckpointPath}, {directory.MetricsPath}, {Path.Combine(directory.Path, CurvesReport.DefaultFileName)}, {reportPath}");
            }
            return ExitCodes.Ok;
        });
    }

    private static List<ReportFact> ReportFacts(TrainSettings settings, Backprop.NN.Sequential model, TrainingResult result, EpochMetrics final)
    {
        var inv = CultureInfo.InvariantCulture;
        return
        [
            new("data", settings.Data.ToString()),
            new("model", string.Create(inv, $"{settings.Model.Text}, {model.ParameterCount:N0} parameters")),
            new("epochs", string.Create(inv, $"{result.CompletedEpochs}, batch {settings.BatchSize}")),
            new("optimizer", settings.DescribeOptimizer()),
            new("test accuracy", final.TestAccuracy.ToString("0.0000", inv)),
            new("test loss", final.TestLoss.ToString("0.0000", inv)),
            new("train accuracy", final.TrainAccuracy.ToString("0.0000", inv)),
            new("seed", settings.Seed.ToString(inv)),
        ];
    }

    /// <summary>
    /// The command that continues an interrupted run, as a POSIX shell reads it: the checkpoint (its directory is
    /// the default --out of a resume; every setting is in its training config) plus the options the checkpoint does
    /// not record and the user gave: --threads and --json.
    /// </summary>
    public static string ResumeCommand(string checkpointPath, string? threads, bool json)
    {
        var words = new List<string> { "backprop", "train", "--resume", ShellQuote(checkpointPath) };
        if (threads is not null) words.AddRange(["--threads", ShellQuote(threads)]);
        if (json) words.Add("--json");
        return string.Join(" ", words);
    }

    /// <summary>A word a POSIX shell reads back unchanged: as it is when it holds only safe characters, else in single quotes.</summary>
    public static string ShellQuote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "_-./:=@%+,".Contains(c))
            ? word
            : "'" + Printable.Escape(word, keepNewlines: true).Replace("'", "'\\''") + "'";

    private static string NewRunDirectory()
    {
        string stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        string path = Path.Combine("runs", stamp);
        for (int i = 2; Directory.Exists(path); i++) path = Path.Combine("runs", $"{stamp}-{i}");
        return path;
    }
}
