using Backprop.Teaching.Visualization;
using System.Globalization;
using System.Text.Json;
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
    public string Summary => "train a network (MLP, CNN) on digits, Fashion-MNIST, MNIST, a CSV file or a synthetic set";
    public IReadOnlySet<string> Flags { get; } = new HashSet<string> { "json" };

    public string Help => """
        usage: backprop train [--data SET [PATH]] [--model SPEC] [options]

        Trains a classifier with softmax cross-entropy and writes to --out: model.safetensors (weights, optimizer state,
        settings and progress: `backprop train --resume` continues it), metrics.csv (per epoch: train and test loss and
        accuracy, seconds) and curves.svg. Inputs are standardised with the training set's mean and deviation (images:
        one over all pixels; feature vectors: per feature). With no options it trains an MLP on the embedded digits.

          --data SET        digits (embedded, default) | fashion-mnist [DIR] | mnist DIR | csv FILE
                            | quadrants | spiral | moons      (a path may also follow a colon: csv:data.csv)
                            csv: every column a number, the last one the class label 0..K-1; 20% of each
                            class is held out as the test set
          --model SPEC      linear | mlp:H1,H2,... | cnn, optionally +bn and +dropout:P (e.g. mlp:256,128+dropout:0.2)
          --epochs N        passes over the training set
          --batch-size N    samples per step
          --lr X            (peak) learning rate
          --optimizer O     sgd | adam | adamw                      (default adam)
          --momentum X      sgd only (default 0.9)
          --weight-decay X  L2: sgd and adam add X·W to the gradient; adamw decays decoupled (default 0; adamw 0.01)
          --schedule S      none | step (÷10 after each third) | cosine (to 0) | warmup-cosine (default cosine)
          --seed N          initial weights and the order of the samples (default 0); same seed, same weights
          --threads N       kernel threads (default: all cores); results are bit-identical for any N
          --out DIR         output directory (default runs/<timestamp>; with --resume the checkpoint's directory)
          --resume FILE     continue from a checkpoint; options not given are taken from it (raise --epochs to extend)
          --json            print one JSON summary on stdout at the end; progress stays on stderr

        Defaults per data set (model, epochs, batch size, learning rate):
          digits          mlp:256,128   40  32  0.001
          fashion-mnist   mlp:256,128   20  64  0.001      (mnist the same)
          csv             mlp:64        50  32  0.001
          quadrants       mlp:16        20  32  0.01
          spiral          mlp:64,64     60  32  0.01
          moons           mlp:16,16     30  32  0.01

        Ctrl+C stops before the next batch, saves a checkpoint and prints the command that resumes (exit code 130).

        """;

    public int Run(Arguments args, CommandContext context)
    {
        string? resume = args.Text("resume");
        bool json = args.Flag("json");
        int threads = args.Int("threads", Environment.ProcessorCount, 1, 1024);
        string? outText = args.Text("out");
        Checkpoint? checkpoint = null;
        JsonElement? saved = null;
        if (resume is not null)
        {
            if (!File.Exists(resume)) throw new CommandFailedException($"checkpoint '{resume}' does not exist", ExitCodes.Failure);
            checkpoint = Checkpoint.Load(resume);
            if (checkpoint.Metadata.TrainingConfigJson is { } config)
                saved = JsonDocument.Parse(config).RootElement.Clone();
        }
        var settings = TrainSettings.Resolve(args, saved);
        args.EnsureAllUsed(settings.Data.Path is not null && args.Text("data") is { } d && !d.Contains(':') ? 1 : 0);

        var data = TrainingData.Load(settings.Data);
        var model = settings.Model.Build(data.Train.SampleShape, data.Train.NumClasses, new Generator(settings.Seed));
        var optimizer = settings.CreateOptimizer(model.Parameters());
        string outDirectory = outText ?? (resume is not null ? Path.GetDirectoryName(Path.GetFullPath(resume))! : NewRunDirectory());
        int batchesPerEpoch = (data.Train.Count + settings.BatchSize - 1) / settings.BatchSize;
        var options = new TrainerOptions
        {
            Epochs = settings.Epochs,
            BatchSize = settings.BatchSize,
            Seed = settings.Seed,
            Schedule = settings.CreateSchedule(batchesPerEpoch),
            OutputDirectory = outDirectory,
            ModelSpec = settings.Model.Text,
            ConfigJson = settings.ToJson(data.WriteStandardization),
            Reports = [new CurvesReport($"{settings.Data} · {settings.Model.Text}")],
        };
        var trainer = new Trainer(model, optimizer, data.Train, data.Test, options);
        if (resume is not null)
        {
            trainer.Resume(resume);
            if (trainer.CompletedEpochs >= settings.Epochs)
                throw new UsageException($"train: checkpoint '{resume}' has finished {trainer.CompletedEpochs} epochs already; pass a larger --epochs to train further");
        }

        context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"train: {settings.Model.Text} ({model.ParameterCount:N0} parameters) on {settings.Data}: {data.Train.Count:N0} training / {data.Test.Count:N0} test samples, {settings.Epochs} epoch{(settings.Epochs == 1 ? "" : "s")} of batch {settings.BatchSize}, {settings.DescribeOptimizer()}, seed {settings.Seed}, {threads} threads"));
        if (trainer.CompletedEpochs > 0 || trainer.BatchesIntoEpoch > 0)
            context.Error.WriteLine($"train: resuming after epoch {trainer.CompletedEpochs}{(trainer.BatchesIntoEpoch > 0 ? $" and {trainer.BatchesIntoEpoch} batches" : "")}");
        context.Error.Flush();

        var reporter = new ProgressReporter(context.Error, context.ErrorIsTerminal);
        TrainingResult result;
        using (Backprop.Kernels.Parallelism.Limit(threads))
            result = trainer.Run(reporter, context.Cancellation);

        string checkpointPath = result.CheckpointPath ?? new RunDirectory(outDirectory).CheckpointPath;
        if (result.Interrupted)
        {
            reporter.Clear();
            context.Error.WriteLine($"train: interrupted in epoch {result.CompletedEpochs + 1} after {result.BatchesIntoEpoch} of {batchesPerEpoch} batches; checkpoint saved to {checkpointPath}");
            context.Error.WriteLine($"train: resume with: backprop train --resume {Quote(checkpointPath)}");
            return ExitCodes.Interrupted;
        }

        var final = result.Final!;
        if (json)
        {
            context.Out.WriteLine(
                $"{{\"data\": {Json.Quote(settings.Data.ToString())}, \"model\": {Json.Quote(settings.Model.Text)}, \"epochs\": {result.CompletedEpochs}, " +
                $"\"train_accuracy\": {Json.Number(final.TrainAccuracy)}, \"test_accuracy\": {Json.Number(final.TestAccuracy)}, \"test_loss\": {Json.Number(final.TestLoss)}, " +
                $"\"seconds\": {Json.Number(Math.Round(result.Seconds, 3))}, \"samples_per_second\": {Json.Number(Math.Round(result.SamplesPerSecond, 1))}, " +
                $"\"parameters\": {model.ParameterCount}, \"checkpoint\": {Json.Quote(checkpointPath)}}}");
        }
        else
        {
            var directory = new RunDirectory(outDirectory);
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"test accuracy {final.TestAccuracy:0.0000} (loss {final.TestLoss:0.0000}), train accuracy {final.TrainAccuracy:0.0000}, after {result.CompletedEpochs} epochs in {result.Seconds:0.0} s ({result.SamplesPerSecond:0} samples/s)"));
            context.Out.WriteLine($"wrote {directory.CheckpointPath}, {directory.MetricsPath}, {Path.Combine(directory.Path, CurvesReport.DefaultFileName)}");
        }
        if (result.AllocatedBytesPerStep >= 0)
            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"train: {result.AllocatedBytesPerStep:N0} bytes allocated per steady-state training step"));
        context.Out.Flush();
        return ExitCodes.Ok;
    }

    private static string NewRunDirectory()
    {
        string stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        string path = Path.Combine("runs", stamp);
        for (int i = 2; Directory.Exists(path); i++) path = Path.Combine("runs", $"{stamp}-{i}");
        return path;
    }

    private static string Quote(string path) => path.Contains(' ') ? $"'{path}'" : path;
}
