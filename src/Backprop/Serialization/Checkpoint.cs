using System.Globalization;
using System.Text.Json;
using Backprop.NN;
using Backprop.Optim;

namespace Backprop.Serialization;

/// <summary>
/// A model, optionally its optimizer's state, and metadata in one safetensors file. Model entries are named as
/// PyTorch's state_dict (<c>0.weight</c>), F32 or F64 (int buffers as I64, as PyTorch stores num_batches_tracked);
/// optimizer entries are prefixed <c>optimizer.</c>; the <c>__metadata__</c> strings hold the model spec, input shape,
/// classes, dtype, training config (JSON text), epoch and generator state. Files are written atomically.
/// </summary>
public sealed class Checkpoint
{
    /// <summary>The <c>format</c> metadata value written and required.</summary>
    public const string FormatName = "backprop.checkpoint.v1";
    /// <summary>The prefix of optimizer entries.</summary>
    public const string OptimizerPrefix = "optimizer.";

    private Checkpoint(string path, CheckpointMetadata metadata, Sequential model, Dictionary<string, Tensor> optimizerState)
    {
        (Path, Metadata, Model, OptimizerState) = (path, metadata, model, optimizerState);
    }

    /// <summary>The file read.</summary>
    public string Path { get; }
    /// <summary>The metadata.</summary>
    public CheckpointMetadata Metadata { get; }
    /// <summary>The model rebuilt from the spec with the saved weights, in evaluation mode.</summary>
    public Sequential Model { get; }
    /// <summary>The optimizer entries without their prefix (empty when none was saved).</summary>
    public IReadOnlyDictionary<string, Tensor> OptimizerState { get; }

    private string Source => $"checkpoint '{System.IO.Path.GetFileName(Path)}'";

    /// <summary>Writes <paramref name="model"/>'s state dict, <paramref name="optimizer"/>'s state (if given) and the metadata to <paramref name="path"/>.</summary>
    public static void Save(string path, Module model, CheckpointMetadata metadata, Optimizer? optimizer = null)
    {
        ModelSpec.Parse(metadata.ModelSpec); // a checkpoint that cannot be rebuilt is refused at save time
        if (metadata.TrainingConfigJson is { } json)
        {
            try { using var _ = JsonDocument.Parse(json); }
            catch (JsonException e) { throw new ArgumentException($"checkpoint: the training config is not valid JSON: {e.Message}", e); }
        }
        var entries = new List<SafeTensorsEntry>();
        foreach (var (name, tensor) in model.StateDict()) entries.Add(ToEntry(name, tensor));
        if (optimizer is not null)
            foreach (var (name, tensor) in optimizer.GetState()) entries.Add(ToEntry(OptimizerPrefix + name, tensor));

        var meta = new Dictionary<string, string>
        {
            ["format"] = FormatName,
            ["model_spec"] = metadata.ModelSpec,
            ["input_shape"] = "[" + string.Join(", ", metadata.InputShape) + "]",
            ["num_classes"] = metadata.NumClasses.ToString(CultureInfo.InvariantCulture),
            ["dtype"] = metadata.DType.Name(),
            ["epoch"] = metadata.Epoch.ToString(CultureInfo.InvariantCulture),
        };
        if (metadata.TrainingConfigJson is { } config) meta["training_config"] = config;
        if (metadata.GeneratorState is { } state)
            meta["generator_state"] = string.Join(",", Array.ConvertAll(state, s => s.ToString("x16", CultureInfo.InvariantCulture)));
        if (optimizer is not null) meta["optimizer"] = optimizer.GetType().Name;
        SafeTensorsFile.Write(path, entries, meta);
    }

    /// <summary>
    /// Reads a checkpoint, rebuilds its model from the metadata alone and loads the weights with shape checks.
    /// Throws <see cref="InvalidDataException"/> for missing or malformed metadata and <see cref="ArgumentException"/>
    /// for a weight of the wrong shape (naming the file, the entry and both shapes).
    /// </summary>
    public static Checkpoint Load(string path)
    {
        var file = SafeTensorsFile.Read(path);
        string source = $"checkpoint '{System.IO.Path.GetFileName(path)}'";
        var metadata = ParseMetadata(file.Metadata, source);
        ModelSpec spec;
        try { spec = ModelSpec.Parse(metadata.ModelSpec); }
        catch (ArgumentException e) { throw new InvalidDataException($"{source}: {e.Message}", e); }
        var model = spec.Build(metadata.InputShape, metadata.NumClasses, new Generator(0), metadata.DType);
        var weights = new Dictionary<string, Tensor>();
        var optimizer = new Dictionary<string, Tensor>();
        foreach (var entry in file.Entries)
        {
            if (entry.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal)) optimizer[entry.Name[OptimizerPrefix.Length..]] = ToTensor(entry, source);
            else weights[entry.Name] = ToTensor(entry, source);
        }
        model.LoadStateDict(weights, source);
        model.Eval();
        return new Checkpoint(path, metadata, model, optimizer);
    }

    /// <summary>Loads the checkpoint's model weights into an existing model (shape-checked), ignoring optimizer entries.</summary>
    public static void LoadWeights(string path, Module model)
    {
        var file = SafeTensorsFile.Read(path);
        string source = $"checkpoint '{System.IO.Path.GetFileName(path)}'";
        var weights = new Dictionary<string, Tensor>();
        foreach (var entry in file.Entries)
            if (!entry.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal)) weights[entry.Name] = ToTensor(entry, source);
        model.LoadStateDict(weights, source);
    }

    /// <summary>Restores the saved optimizer state into <paramref name="optimizer"/> (same kind, same parameter shapes).</summary>
    public void RestoreOptimizer(Optimizer optimizer)
    {
        if (OptimizerState.Count == 0) throw new InvalidOperationException($"{Source}: holds no optimizer state");
        if (Metadata.Optimizer is { } kind && kind != optimizer.GetType().Name)
            throw new InvalidOperationException($"{Source}: holds {kind} state, not {optimizer.GetType().Name} state");
        optimizer.LoadState(OptimizerState, Source);
    }

    private static SafeTensorsEntry ToEntry(string name, Tensor tensor) => tensor.DType switch
    {
        DType.Float32 => SafeTensorsEntry.FromFloats(name, tensor.ShapeArray, tensor.AsSpan<float>()),
        DType.Float64 => SafeTensorsEntry.FromDoubles(name, tensor.ShapeArray, tensor.AsSpan<double>()),
        _ => SafeTensorsEntry.FromInt64s(name, tensor.ShapeArray, Array.ConvertAll(tensor.ToArray<int>(), v => (long)v)),
    };

    private static Tensor ToTensor(SafeTensorsEntry entry, string source)
    {
        // Built directly rather than through FromArray, which reads an empty shape as "1-d": 0-d entries must stay 0-d.
        var shape = entry.Shape;
        return entry.DType switch
        {
            SafeTensorsDType.F32 => new Tensor(entry.ToFloatArray(), shape, DType.Float32),
            SafeTensorsDType.F64 => new Tensor(entry.ToDoubleArray(), shape, DType.Float64),
            SafeTensorsDType.I32 => new Tensor(entry.ToInt32Array(), shape, DType.Int32),
            SafeTensorsDType.I64 => new Tensor(Array.ConvertAll(entry.ToInt64Array(), v => checked((int)v)), shape, DType.Int32),
            _ => throw new InvalidDataException($"{source}: entry {entry.Name} has dtype {entry.DType}; expected F32, F64, I32 or I64"),
        };
    }

    private static CheckpointMetadata ParseMetadata(IReadOnlyDictionary<string, string> meta, string source)
    {
        string Required(string key) => meta.TryGetValue(key, out var v) ? v
            : throw new InvalidDataException($"{source}: the metadata has no '{key}' (is this a backprop checkpoint? it needs format '{FormatName}')");
        string format = Required("format");
        if (format != FormatName) throw new InvalidDataException($"{source}: format '{format}' is not supported (expected '{FormatName}')");
        int[] inputShape;
        try
        {
            using var doc = JsonDocument.Parse(Required("input_shape"));
            inputShape = new int[doc.RootElement.GetArrayLength()];
            int i = 0;
            foreach (var e in doc.RootElement.EnumerateArray()) inputShape[i++] = e.GetInt32();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{source}: input_shape '{meta["input_shape"]}' is not a JSON array of integers", e);
        }
        var dtype = Required("dtype") switch
        {
            "float32" => DType.Float32,
            "float64" => DType.Float64,
            var d => throw new InvalidDataException($"{source}: dtype '{d}' is not float32 or float64"),
        };
        ulong[]? generator = null;
        if (meta.TryGetValue("generator_state", out var g))
        {
            var parts = g.Split(',');
            generator = new ulong[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!ulong.TryParse(parts[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out generator[i]))
                    throw new InvalidDataException($"{source}: generator_state '{g}' is not a list of hexadecimal words");
        }
        return new CheckpointMetadata
        {
            ModelSpec = Required("model_spec"),
            InputShape = inputShape,
            NumClasses = Int(Required("num_classes"), "num_classes"),
            DType = dtype,
            TrainingConfigJson = meta.TryGetValue("training_config", out var c) ? c : null,
            Epoch = meta.TryGetValue("epoch", out var ep) ? Int(ep, "epoch") : 0,
            GeneratorState = generator,
            Optimizer = meta.TryGetValue("optimizer", out var o) ? o : null,
        };

        int Int(string text, string key) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
            : throw new InvalidDataException($"{source}: {key} '{text}' is not an integer");
    }
}
