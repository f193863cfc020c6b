using System.Text.Json;
using Backprop.Cli.Inference;
using Backprop.Cli.Models;
using Backprop.NN;
using Backprop.Onnx;
using Backprop.Serialization;

namespace Backprop.Cli.Commands;

/// <summary>`backprop export`: writes a checkpoint of `backprop train` (MLP, CNN, linear or GPT) as an ONNX model.</summary>
public sealed class ExportCommand : ICommand
{
    public string Name => "export";
    public string Summary => "write a checkpoint as an ONNX model (--onnx model.onnx) for ONNX Runtime and other runtimes";
    public string Description => "Traces one forward pass of the model saved in CHECKPOINT and writes it as an ONNX file (opset 17): the weights as initializers under their checkpoint names, the input 'input' and the output 'output', with a dynamic batch dimension 'batch'. A classifier's input is one sample shape per row (as the model sees it: standardised if the checkpoint's training standardised its data) and its output the logits; a GPT's input is int32 tokens [batch, block] and its output the logits [batch, block, vocabulary].";
    public PositionalSpec? Positional { get; } = new("CHECKPOINT", "a model.safetensors written by backprop train", 1);
    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("onnx", "FILE", "the ONNX file to write (required); it is replaced only once the whole model is written"),
    ];
    public string Epilogue => """
        Example: backprop export runs/digits/model.safetensors --onnx digits.onnx
        An operator with no ONNX equivalent stops the export with its name and module, and no file is written.

        """;

    public int Run(Arguments args, CommandContext context)
    {
        string? onnxPath = args.Text("onnx");
        args.CheckPositionalCount(1);
        if (args.Positional.Count == 0) throw new UsageException("a checkpoint file is needed: backprop export CHECKPOINT --onnx model.onnx");
        if (onnxPath is null) throw new UsageException("--onnx FILE is needed: the ONNX file to write");
        if (onnxPath.Length == 0 || Directory.Exists(onnxPath) || onnxPath.EndsWith('/') || onnxPath.EndsWith(Path.DirectorySeparatorChar))
            throw new UsageException($"--onnx '{onnxPath}' is a directory, not a file path (e.g. --onnx model.onnx)");
        string checkpointPath = args.Positional[0];

        string description;
        try
        {
            if (NamesGpt(checkpointPath))
            {
                var (gpt, vocabulary) = GptCheckpoint.Load(checkpointPath);
                int block = gpt.Config.BlockSize;
                gpt.ExportOnnx(onnxPath, Tensor.Zeros([1, block], DType.Int32));
                description = $"input int32 [batch, {block}] tokens of a {vocabulary.Count}-character vocabulary, output logits [batch, {block}, {vocabulary.Count}]";
            }
            else
            {
                var trained = TrainedModel.Load(checkpointPath);
                var sample = Tensor.Zeros([1, .. trained.InputShape], trained.Checkpoint.Metadata.DType);
                trained.Model.ExportOnnx(onnxPath, sample);
                description = $"input {trained.Checkpoint.Metadata.DType.Name()} [batch, {string.Join(", ", trained.InputShape)}], output logits [batch, {trained.NumClasses}]";
            }
        }
        catch (OnnxExportException e)
        {
            throw new CommandFailedException(e.Message, ExitCodes.Failure);
        }
        context.Out.WriteLine($"wrote {onnxPath} (ONNX opset {OnnxExport.Opset}): {description}");
        return ExitCodes.Ok;
    }

    // A GPT checkpoint is one whose training config names a gpt model; everything else is read as a classifier.
    private static bool NamesGpt(string path)
    {
        if (!File.Exists(path)) return false; // TrainedModel.Load says what is missing
        var metadata = UserErrors.AtCall(() => Checkpoint.Read(path)).Metadata;
        if (metadata.TrainingConfigJson is not { } json) return false;
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String
                && GptSpec.Names(model.GetString());
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
