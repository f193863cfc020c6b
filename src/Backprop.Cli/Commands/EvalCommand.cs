using System.Globalization;
using System.Text.Json;
using Backprop.Cli.Inference;
using Backprop.Cli.Training;
using Backprop.Data;
using Backprop.NN;
using Backprop.Teaching.Reports;
using Backprop.Training;

namespace Backprop.Cli.Commands;

/// <summary>`backprop eval`: a checkpoint's accuracy, loss and confusion matrix on a data set's test split.</summary>
public sealed class EvalCommand : ICommand
{
    public string Name => "eval";
    public string Summary => "evaluate a checkpoint on a test set: accuracy, loss, confusion matrix";
    public string Description => "Runs the model saved in CHECKPOINT over the test split of a data set and prints the accuracy, the mean cross-entropy loss, the number of samples and the confusion matrix (rows: true class, columns: predicted class, with each class's recall). --report FILE also writes the training report train writes as report.html.";
    public PositionalSpec? Positional { get; } = new("CHECKPOINT", "a model.safetensors written by backprop train", 2);
    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("data", "NAME[:PATH]", "digits | fashion-mnist[:DIR] | mnist:DIR | csv:FILE | quadrants | spiral | moons (default: the data set recorded in the checkpoint's training config, else digits)"),
        new("batch-size", "N", "samples per forward pass (default 256)"),
        new("report", "FILE", "also write the training report for the checkpoint (as train's report.html: curves from the checkpoint's history, confusion matrix, most confident mistakes, saliency maps, first-layer weights)"),
        new("json", null, "one line {\"checkpoint\", \"data\", \"samples\", \"correct\", \"accuracy\", \"loss\", \"classes\", \"confusion\", \"recall\"} (and \"report\" with --report)"),
    ];
    public string Epilogue => """
        The test set is prepared as for training: the same split, the same scaling, and the standardisation saved
        in the checkpoint (if any).

        """;

    public int Run(Arguments args, CommandContext context)
    {
        string? dataText = args.Text("data");
        int batchSize = args.Int("batch-size", 256, min: 1);
        bool json = args.Flag("json");
        string? reportPath = args.Text("report");
        if (reportPath is { Length: 0 }) throw new UsageException("--report needs a file name, got an empty string");
        args.CheckPositionalCount(2);
        if (args.Positional.Count == 0) throw new UsageException("a checkpoint file is needed: backprop eval CHECKPOINT [--data ...]");
        string checkpointPath = args.Positional[0];
        string? dataPath = args.Positional.Count > 1 ? args.Positional[1] : null;

        var trained = TrainedModel.Load(checkpointPath);
        var data = ChooseData(dataText, dataPath, trained);
        var test = LoadTestSet(data, trained);
        var result = Evaluation.Run(trained.Model, test, batchSize, trained.InputShape, context.Cancellation);
        if (reportPath is not null) WriteReport(reportPath, checkpointPath, trained, data, test, result, context.Cancellation);

        if (json) WriteJson(context.Out, checkpointPath, data, result, reportPath);
        else WriteText(context.Out, checkpointPath, trained, data, result, reportPath);
        return ExitCodes.Ok;
    }

    private static void WriteReport(string path, string checkpointPath, TrainedModel trained, DataChoice data, Dataset test, Evaluation result, CancellationToken cancellation)
    {
        var meta = trained.Checkpoint.Metadata;
        var history = TrainingHistory.Read(meta, $"checkpoint '{checkpointPath}'");
        var inv = CultureInfo.InvariantCulture;
        List<ReportFact> facts =
        [
            new("checkpoint", checkpointPath),
            new("data", $"{data}, test split"),
            new("model", string.Create(inv, $"{meta.ModelSpec}, {trained.Model.ParameterCount:N0} parameters")),
            new("epochs trained", meta.Epoch.ToString(inv)),
            new("test accuracy", result.Accuracy.ToString("0.0000", inv)),
            new("test loss", result.Loss.ToString("0.0000", inv)),
        ];
        ClassifierReport.Write(path, $"{data} · {meta.ModelSpec}", facts, history,
            "the checkpoint holds no training history (it was not saved by the trainer, which records every epoch's figures)",
            trained.Model, test, trained.InputShape, ClassNames.For(data.Kind, result.NumClasses), trained.Standardization, cancellation);
    }

    private static DataChoice ChooseData(string? dataText, string? dataPath, TrainedModel trained)
    {
        if (dataText is not null) return DataChoice.Parse("eval", dataText, dataPath);
        if (dataPath is not null) throw new UsageException($"unexpected argument '{dataPath}' (a data path goes with --data, e.g. --data csv:{dataPath})");
        if (trained.DataName is null) return DataChoice.Parse("eval", "digits", null);
        try
        {
            return DataChoice.Parse("eval", trained.DataName, null);
        }
        catch (UsageException e)
        {
            throw new CommandFailedException($"the checkpoint's training config names data '{trained.DataName}', which cannot be used ({e.Message}); pass --data", ExitCodes.Failure);
        }
    }

    private static Dataset LoadTestSet(DataChoice data, TrainedModel trained)
    {
        // The split seed matters only for a CSV file, the one data set split at load time by a seed.
        var test = data.Load(trained.SplitSeed ?? 0).Test;
        if (test.SampleSize != trained.FeatureCount)
        {
            throw new CommandFailedException(
                $"data set '{test.Name}' has samples of shape {Shapes.Format(test.SampleShape)} ({test.SampleSize} values), but the model expects {Shapes.Format(trained.InputShape)} ({trained.FeatureCount} values); pass the --data the model was trained on",
                ExitCodes.Failure);
        }
        if (test.Labels.Max() >= trained.NumClasses)
        {
            throw new CommandFailedException(
                $"data set '{test.Name}' has label {test.Labels.Max()}, but the model predicts only {trained.NumClasses} classes (0..{trained.NumClasses - 1})",
                ExitCodes.Failure);
        }
        return trained.Standardization is { } standardization ? standardization.Apply(test) : test;
    }

    private static void WriteText(TextWriter o, string checkpointPath, TrainedModel trained, DataChoice data, Evaluation result, string? reportPath)
    {
        var meta = trained.Checkpoint.Metadata;
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine($"checkpoint  {checkpointPath}  ({meta.ModelSpec}, {meta.Epoch} epoch{(meta.Epoch == 1 ? "" : "s")})");
        o.WriteLine($"data        {data}, test split{(trained.Standardization is null ? "" : ", standardised as in training")}");
        o.WriteLine(string.Create(inv, $"samples     {result.Samples}"));
        o.WriteLine(string.Create(inv, $"accuracy    {result.Accuracy:0.0000}  ({result.Correct} of {result.Samples} right)"));
        o.WriteLine(string.Create(inv, $"loss        {result.Loss:0.0000}  (mean cross-entropy)"));
        o.WriteLine();
        o.WriteLine("confusion matrix (rows: true class, columns: predicted class)");
        var names = ClassNames.For(data.Kind, result.NumClasses);
        ConfusionMatrixTable.Write(o, result, ClassNames.AreWords(names) ? names : null);
        if (reportPath is not null)
        {
            o.WriteLine();
            o.WriteLine($"wrote {reportPath}");
        }
    }

    private static void WriteJson(TextWriter o, string checkpointPath, DataChoice data, Evaluation result, string? reportPath) => Json.WriteLine(o, w =>
    {
        w.WriteString("checkpoint", checkpointPath);
        w.WriteString("data", data.ToString());
        w.WriteNumber("samples", result.Samples);
        w.WriteNumber("correct", result.Correct);
        Json.Number(w, "accuracy", result.Accuracy);
        Json.Number(w, "loss", result.Loss); // an overflowing model: null
        w.WriteStartArray("classes");
        foreach (string name in ClassNames.For(data.Kind, result.NumClasses)) w.WriteStringValue(name);
        w.WriteEndArray();
        w.WriteStartArray("confusion");
        foreach (var row in result.ConfusionMatrix())
        {
            w.WriteStartArray();
            foreach (int count in row) w.WriteNumberValue(count);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        // The recall of a class without samples is NaN: null.
        w.WriteStartArray("recall");
        for (int c = 0; c < result.NumClasses; c++) Json.NumberValue(w, result.Recall(c));
        w.WriteEndArray();
        if (reportPath is not null) w.WriteString("report", reportPath);
    });
}
