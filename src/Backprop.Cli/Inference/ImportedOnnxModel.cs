using Backprop.NN;
using Backprop.Onnx;

namespace Backprop.Cli.Inference;

/// <summary>
/// An ONNX file opened for <c>predict</c>: a classifier with one input [batch, features...] and logits [batch, classes]
/// as its first output. Errors in the file are one-line <see cref="CommandFailedException"/>s.
/// </summary>
public sealed class ImportedOnnxModel
{
    private ImportedOnnxModel(OnnxModel onnx, int[] inputShape, int? fixedBatch)
    {
        Onnx = onnx;
        InputShape = inputShape;
        FixedBatch = fixedBatch;
        Model = new FirstOutput(onnx);
    }

    /// <summary>Whether <paramref name="path"/> names an ONNX file (by its extension), rather than a checkpoint.</summary>
    public static bool IsOnnxPath(string path) => path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    /// <summary>The imported graph.</summary>
    public OnnxModel Onnx { get; }

    /// <summary>The graph as a one-input module returning its first output.</summary>
    public Module<Tensor, Tensor> Model { get; }

    /// <summary>The shape of one sample: the declared input shape without its batch dimension.</summary>
    public int[] InputShape { get; }

    /// <summary>The batch size the file fixes, or null when the batch dimension is symbolic.</summary>
    public int? FixedBatch { get; }

    public int FeatureCount => Shapes.Numel(InputShape);

    /// <summary>Loads <paramref name="path"/> and checks that it has the shape of a classifier.</summary>
    public static ImportedOnnxModel Load(string path)
    {
        if (Directory.Exists(path)) throw new CommandFailedException($"'{path}' is a directory, not an ONNX file", ExitCodes.Failure);
        if (!File.Exists(path)) throw new CommandFailedException($"ONNX model '{path}' does not exist", ExitCodes.Failure);
        OnnxModel onnx = Open(path);
        if (onnx.Inputs.Count != 1)
            throw new CommandFailedException($"{path}: predict needs a model with one input, this one has {onnx.Inputs.Count} ({string.Join(", ", onnx.Inputs.Select(i => i.Name))})", ExitCodes.Failure);
        var input = onnx.Inputs[0];
        if (input.DType is not (DType.Float32 or DType.Float64))
            throw new CommandFailedException($"{path}: the input '{input.Name}' is {input.ElementType}; predict feeds float features", ExitCodes.Failure);
        if (input.Dims is not { Count: >= 2 } dims || dims.Skip(1).Any(d => d is null))
            throw new CommandFailedException($"{path}: the input '{input.Name}' is {input.FormatShape()}; predict needs [batch, features...] with fixed feature dimensions", ExitCodes.Failure);
        return new ImportedOnnxModel(onnx, [.. dims.Skip(1).Select(d => d!.Value)], dims[0]);
    }

    /// <summary>Opens an ONNX file; a malformed or unsupported file is one line naming what is wrong.</summary>
    public static OnnxModel Open(string path)
    {
        try
        {
            return OnnxModel.Load(path);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException)
        {
            throw new CommandFailedException(e.Message, ExitCodes.Failure);
        }
    }

    // The input cast to the declared float type, the first output returned.
    private sealed class FirstOutput : Module<Tensor, Tensor>
    {
        private readonly OnnxModel _onnx;

        public FirstOutput(OnnxModel onnx) => _onnx = RegisterModule("onnx", onnx);

        public override Tensor Forward(Tensor input)
        {
            var dtype = _onnx.Inputs[0].DType ?? DType.Float32;
            return UserErrors.AtCall(() => _onnx.Run(input.DType == dtype ? input : input.To(dtype))[0]);
        }
    }
}
