using System.Globalization;
using System.Text;
using System.Text.Json;
using Backprop.Cli.Inference;
using Backprop.Teaching.Reports;

namespace Backprop.Cli.Commands;

/// <summary>`backprop predict`: classifies the rows of a CSV file or the images of an IDX file with a checkpoint.</summary>
public sealed class PredictCommand : ICommand
{
    public string Name => "predict";
    public string Summary => "classify CSV rows or IDX images with a checkpoint or an ONNX model";
    public string Description => "Prints, for every sample of FILE, the predicted class and the class probabilities (softmax of the outputs). Classes are shown by name where the training data has names (Fashion-MNIST: T-shirt/top, Trouser, ...), else by label.";
    public PositionalSpec? Positional { get; } = new("CHECKPOINT", "a model.safetensors written by backprop train, or an ONNX model (.onnx) taking [batch, features...] and giving class scores", 1);
    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("input", "FILE", "a CSV file with one sample per row (features only, or with a label column), or an IDX image file; raw or gzip-compressed"),
        new("label-column", "C", "the CSV column holding a label, by header name or 0-based index (negative counts from the end): it is dropped from the features and shown next to the prediction"),
        new("top", "K", "show only the K most probable classes per row"),
        new("scale", "X", "multiply CSV features by X (default: as the training data was scaled — digits 1/16, mnist and fashion-mnist 1/255, otherwise 1); IDX pixels are always /255"),
        new("batch-size", "N", "samples per forward pass (default 256)"),
        new("json", null, "one JSON object per line (JSON Lines), one line per input row: {\"row\", \"label\"?, \"label_name\"?, \"predicted\", \"predicted_name\", \"probabilities\": [...]} or with --top K {..., \"top\": [{\"class\", \"name\", \"probability\"}, ...]}"),
    ];
    public string Epilogue => """
        Every row must have as many features as the model's input (e.g. 64 for 8×8 digits). The standardisation
        saved in the checkpoint, if any, is applied after the scaling. An ONNX model's features are scaled by
        --scale only (default 1; IDX pixels /255) and the softmax of its first output gives the probabilities.

        """;

    public int Run(Arguments args, CommandContext context)
    {
        string? input = args.Text("input");
        string? labelColumn = args.Text("label-column");
        int top = args.Int("top", 0, min: 1);
        double? scale = args.Text("scale") is null ? null : args.Double("scale", 1, positive: true);
        int batchSize = args.Int("batch-size", 256, min: 1);
        bool json = args.Flag("json");
        args.CheckPositionalCount(1);
        if (args.Positional.Count == 0) throw new UsageException("a checkpoint file is needed: backprop predict CHECKPOINT --input FILE");
        if (input is null) throw new UsageException("--input FILE is needed (a CSV file of feature rows or an IDX image file)");

        ClassProbabilities probabilities;
        InputRows rows;
        IReadOnlyList<string> names;
        if (ImportedOnnxModel.IsOnnxPath(args.Positional[0]))
        {
            var imported = ImportedOnnxModel.Load(args.Positional[0]);
            rows = InputRows.Load(input, imported.FeatureCount, labelColumn, (float)(scale ?? 1));
            // A file that fixes its batch size is run in batches of exactly that size.
            if (imported.FixedBatch is { } fixedBatch)
            {
                if (rows.Count % fixedBatch != 0)
                    throw new CommandFailedException($"{args.Positional[0]}: the model takes batches of exactly {fixedBatch} samples; {input} has {rows.Count}", ExitCodes.Failure);
                batchSize = fixedBatch;
            }
            probabilities = ClassProbabilities.Compute(imported.Model, rows.Features, rows.Count, imported.InputShape, batchSize, context.Cancellation);
            names = ClassNames.For(null, probabilities.NumClasses); // an ONNX file records no data set
        }
        else
        {
            var trained = TrainedModel.Load(args.Positional[0]);
            rows = InputRows.Load(input, trained.FeatureCount, labelColumn, (float)(scale ?? trained.CsvFeatureScale));
            trained.Standardization?.ApplyInPlace(rows.Features);
            probabilities = ClassProbabilities.Compute(trained.Model, rows.Features, rows.Count, trained.InputShape, batchSize, context.Cancellation);
            names = ClassNames.For(trained.DataKind, probabilities.NumClasses);
        }

        if (json) WriteJson(context.Out, rows, probabilities, top, names);
        else WriteTable(context.Out, rows, probabilities, top, names);
        return ExitCodes.Ok;
    }

    private static void WriteTable(TextWriter o, InputRows rows, ClassProbabilities probabilities, int top, IReadOnlyList<string> names)
    {
        var inv = CultureInfo.InvariantCulture;
        // A label outside the model's classes (the file's, not the model's) is shown as its number.
        string Name(int c) => c >= 0 && c < names.Count ? names[c] : c.ToString(inv);
        int rowWidth = Math.Max(3, rows.Count.ToString(inv).Length);
        int classWidth = Math.Max("predicted".Length, names.Select(n => n.Length).DefaultIfEmpty(1).Max());
        int labelWidth = rows.Labels is { } given ? Math.Max(classWidth, given.Select(l => Name(l).Length).DefaultIfEmpty(1).Max()) : 0;
        var header = new StringBuilder("row".PadLeft(rowWidth));
        if (rows.Labels is not null) header.Append("  ").Append("label".PadLeft(labelWidth));
        header.Append("  ").Append("predicted".PadLeft(classWidth));
        int cellWidth = top > 0
            ? Math.Max(8, names.Select(n => n.Length).DefaultIfEmpty(1).Max() + 9)
            : Math.Max(7, names.Select(n => n.Length).DefaultIfEmpty(1).Max() + 3);
        if (top > 0)
            for (int k = 1; k <= Math.Min(top, probabilities.NumClasses); k++) header.Append("  ").Append($"top {k}".PadLeft(cellWidth));
        else
            for (int c = 0; c < probabilities.NumClasses; c++) header.Append("  ").Append($"p({Name(c)})".PadLeft(cellWidth));
        o.WriteLine(header.ToString());

        int correct = 0;
        for (int r = 0; r < rows.Count; r++)
        {
            int predicted = probabilities.Predicted(r);
            var line = new StringBuilder((r + 1).ToString(inv).PadLeft(rowWidth));
            if (rows.Labels is { } labels)
            {
                line.Append("  ").Append(Name(labels[r]).PadLeft(labelWidth));
                if (labels[r] == predicted) correct++;
            }
            line.Append("  ").Append(Name(predicted).PadLeft(classWidth));
            var p = probabilities.Row(r);
            if (top > 0)
                foreach (int c in probabilities.Top(r, top)) line.Append("  ").Append(string.Create(inv, $"{Name(c)} ({p[c]:0.0000})").PadLeft(cellWidth));
            else
                for (int c = 0; c < p.Length; c++) line.Append("  ").Append(p[c].ToString("0.0000", inv).PadLeft(cellWidth));
            o.WriteLine(line.ToString());
        }
        if (rows.Labels is not null)
            o.WriteLine(string.Create(inv, $"accuracy {(double)correct / rows.Count:0.0000} ({correct} of {rows.Count} rows predicted as labelled)"));
    }

    // A model whose outputs overflow gives NaN probabilities: null.
    private static void WriteJson(TextWriter o, InputRows rows, ClassProbabilities probabilities, int top, IReadOnlyList<string> names)
    {
        for (int r = 0; r < rows.Count; r++)
        {
            Json.WriteLine(o, w =>
            {
                w.WriteNumber("row", r + 1);
                if (rows.Labels is { } labels)
                {
                    w.WriteNumber("label", labels[r]);
                    if (labels[r] < names.Count) w.WriteString("label_name", names[labels[r]]);
                }
                int predicted = probabilities.Predicted(r);
                w.WriteNumber("predicted", predicted);
                w.WriteString("predicted_name", names[predicted]);
                var p = probabilities.Row(r);
                if (top > 0)
                {
                    w.WriteStartArray("top");
                    foreach (int c in probabilities.Top(r, top))
                    {
                        w.WriteStartObject();
                        w.WriteNumber("class", c);
                        w.WriteString("name", names[c]);
                        Json.Number(w, "probability", p[c]);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }
                else
                {
                    w.WriteStartArray("probabilities");
                    foreach (double v in p) Json.NumberValue(w, v);
                    w.WriteEndArray();
                }
            });
        }
    }
}
