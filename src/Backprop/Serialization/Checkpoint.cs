using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Backprop.NN;
using Backprop.Optim;

namespace Backprop.Serialization;

/// <summary>
/// A model, optionally its optimizer's state, and metadata in one safetensors file. Model entries are named as
/// PyTorch's state_dict (<c>0.weight</c>), F32 or F64 (int buffers as I64, as PyTorch stores num_batches_tracked);
/// optimizer entries are prefixed <c>optimizer.</c>; the <c>__metadata__</c> strings hold the model spec, input shape,
/// classes, dtype, training config (JSON text), epoch, generator state and <c>sha256</c>, a SHA-256 over the other
/// metadata and the data section, which loading verifies (files without it, such as PyTorch's, load unverified).
/// Files are written atomically.
/// </summary>
/// <remarks>
/// Loading trusts nothing in the file: the metadata is validated and the model the spec describes is sized against
/// the tensors the file holds before anything is built, so a corrupt or hostile file gives an
/// <see cref="InvalidDataException"/> (or <see cref="SafeTensorsFormatException"/> for a broken container) with a
/// clear message, never an allocation in proportion to a number read from it.
/// </remarks>
public sealed class Checkpoint
{
    /// <summary>The <c>format</c> metadata value written and required.</summary>
    public const string FormatName = "backprop.checkpoint.v1";
    /// <summary>The prefix of optimizer entries.</summary>
    public const string OptimizerPrefix = "optimizer.";
    /// <summary>
    /// The metadata key of the checksum: the lower-case hex SHA-256 of every other metadata pair (sorted by key, each
    /// written as UTF-8 key, NUL, value, NUL) followed by the data section.
    /// </summary>
    public const string ChecksumKey = "sha256";
    /// <summary>The deepest training config accepted on loading (JSON nesting), against corrupt or hostile files.</summary>
    public const int MaxTrainingConfigDepth = 64;

    private readonly Sequential? _model;
    private readonly Dictionary<string, Tensor> _weightEntries;
    private readonly Dictionary<string, Tensor> _optimizerEntries;

    private Checkpoint(string path, CheckpointMetadata metadata, Sequential? model, Dictionary<string, Tensor> weights, Dictionary<string, Tensor> optimizerState)
    {
        (Path, Metadata, _model, _weightEntries, _optimizerEntries) = (path, metadata, model, weights, optimizerState);
    }

    /// <summary>The file read.</summary>
    public string Path { get; }
    /// <summary>The metadata.</summary>
    public CheckpointMetadata Metadata { get; }
    /// <summary>The model rebuilt from the spec with the saved weights, in evaluation mode (by <see cref="Load"/>; not by <see cref="Read"/>).</summary>
    /// <exception cref="InvalidOperationException">The checkpoint was read with <see cref="Read"/>, which builds no model.</exception>
    public Sequential Model => _model
        ?? throw new InvalidOperationException($"{Source}: was read without rebuilding a model (Checkpoint.Read); load its weights into a model with RestoreModel, or use Checkpoint.Load");
    /// <summary>The model entries (parameters and buffers) by state-dict name.</summary>
    public IReadOnlyDictionary<string, Tensor> Weights => _weightEntries;
    /// <summary>The optimizer entries without their prefix (empty when none was saved).</summary>
    public IReadOnlyDictionary<string, Tensor> OptimizerState => _optimizerEntries;

    private string Source => $"checkpoint '{System.IO.Path.GetFileName(Path)}'";

    /// <summary>
    /// Writes <paramref name="model"/>'s state dict, <paramref name="optimizer"/>'s state (if given) and the metadata to
    /// <paramref name="path"/>. Any module can be saved; a model spec, when given, must parse (a checkpoint that claims to
    /// rebuild its model must be able to).
    /// </summary>
    public static void Save(string path, Module model, CheckpointMetadata metadata, Optimizer? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.ModelSpec is { } specText)
        {
            ModelSpec.Parse(specText); // a checkpoint that cannot be rebuilt is refused at save time
            if (metadata.InputShape is null || metadata.NumClasses is null)
                throw new ArgumentException("checkpoint: a model spec needs the input shape and the number of classes that rebuild it");
        }
        if (metadata.InputShape is { } shape && (shape.Length == 0 || Array.Exists(shape, d => d <= 0)))
            throw new ArgumentException($"checkpoint: the input shape {Shapes.Format(shape)} is not a non-empty list of positive sizes");
        if (metadata.NumClasses is { } classes && classes <= 0)
            throw new ArgumentException($"checkpoint: the number of classes must be positive, got {classes}");
        if (metadata.TrainingConfigJson is { } json)
        {
            try { using var _ = JsonDocument.Parse(json); }
            catch (JsonException e) { throw new ArgumentException($"checkpoint: the training config is not valid JSON: {e.Message}", e); }
        }
        var entries = new List<SafeTensorsEntry>();
        foreach (var (name, tensor) in model.StateDict()) entries.Add(TensorEntries.ToEntry(name, tensor));
        if (optimizer is not null)
            foreach (var (name, tensor) in optimizer.GetState()) entries.Add(TensorEntries.ToEntry(OptimizerPrefix + name, tensor));

        var meta = new Dictionary<string, string>
        {
            ["format"] = FormatName,
            ["dtype"] = metadata.DType.Name(),
            ["epoch"] = metadata.Epoch.ToString(CultureInfo.InvariantCulture),
        };
        if (metadata.ModelSpec is { } spec) meta["model_spec"] = spec;
        if (metadata.InputShape is { } input) meta["input_shape"] = "[" + string.Join(", ", input) + "]";
        if (metadata.NumClasses is { } numClasses) meta["num_classes"] = numClasses.ToString(CultureInfo.InvariantCulture);
        if (metadata.TrainingConfigJson is { } config) meta["training_config"] = config;
        if (metadata.GeneratorState is { } state)
            meta["generator_state"] = string.Join(",", Array.ConvertAll(state, s => s.ToString("x16", CultureInfo.InvariantCulture)));
        if (optimizer is not null) meta["optimizer"] = optimizer.GetType().Name;
        meta[ChecksumKey] = Checksum(meta, entries.OrderBy(e => e.Name, StringComparer.Ordinal).Select(e => e.Data));
        SafeTensorsFile.Write(path, entries, meta);
    }

    /// <summary>
    /// Reads a checkpoint, rebuilds its model from the metadata alone and loads the weights with shape checks (the
    /// CLI's models: the file must hold a model spec, input shape and class count).
    /// Throws <see cref="InvalidDataException"/> for missing or malformed metadata and <see cref="ArgumentException"/>
    /// for a weight of the wrong shape (naming the file, the entry and both shapes).
    /// </summary>
    public static Checkpoint Load(string path)
    {
        var checkpoint = ReadFile(path, requireModelSpec: true);
        string source = checkpoint.Source;
        var metadata = checkpoint.Metadata;
        ModelSpec spec;
        try { spec = ModelSpec.Parse(metadata.ModelSpec!); }
        catch (ArgumentException e) { throw new InvalidDataException($"{source}: {e.Message}", e); }
        CheckModelSize(checkpoint.Weights, spec, metadata, source);
        Sequential model;
        try { model = spec.Build(metadata.InputShape!, metadata.NumClasses!.Value, new Generator(0), metadata.DType); }
        catch (ArgumentException e) { throw new InvalidDataException($"{source}: {e.Message}", e); }
        model.LoadStateDict(checkpoint.Weights, source);
        model.Eval();
        return new Checkpoint(path, metadata, model, checkpoint._weightEntries, checkpoint._optimizerEntries);
    }

    /// <summary>
    /// Reads a checkpoint's metadata and tensors (checksum verified) without building a model: for loading into a
    /// module of the caller's with <see cref="RestoreModel"/> (any module, no model spec needed).
    /// </summary>
    public static Checkpoint Read(string path) => ReadFile(path, requireModelSpec: false);

    private static Checkpoint ReadFile(string path, bool requireModelSpec)
    {
        var file = SafeTensorsFile.Read(path);
        string source = $"checkpoint '{System.IO.Path.GetFileName(path)}'";
        VerifyChecksum(file, source);
        var metadata = ParseMetadata(file.Metadata, source, requireModelSpec);
        var weights = new Dictionary<string, Tensor>();
        var optimizer = new Dictionary<string, Tensor>();
        foreach (var entry in file.Entries)
        {
            if (entry.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal)) optimizer[entry.Name[OptimizerPrefix.Length..]] = TensorEntries.ToTensor(entry, source);
            else weights[entry.Name] = TensorEntries.ToTensor(entry, source);
        }
        return new Checkpoint(path, metadata, null, weights, optimizer);
    }

    /// <summary>
    /// Loads the checkpoint at <paramref name="path"/> into <paramref name="model"/> (any module: entries matched by
    /// state-dict name, shape-checked, all or nothing) and, when given, its optimizer state into
    /// <paramref name="optimizer"/>; returns the metadata. The way back for a module saved with <see cref="Save"/>.
    /// </summary>
    public static CheckpointMetadata LoadInto(string path, Module model, Optimizer? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var checkpoint = Read(path);
        if (optimizer is not null) checkpoint.CheckOptimizerKind(optimizer);
        checkpoint.RestoreModel(model);
        if (optimizer is not null) checkpoint.RestoreOptimizer(optimizer);
        return checkpoint.Metadata;
    }

    /// <summary>Loads the checkpoint's model weights into an existing model (shape-checked), ignoring optimizer entries.</summary>
    public static void LoadWeights(string path, Module model) => Read(path).RestoreModel(model);

    /// <summary>Copies the saved weights into <paramref name="model"/> (by state-dict name, shape-checked; nothing changes on a mismatch).</summary>
    public void RestoreModel(Module model, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.LoadStateDict(Weights, source ?? Source);
    }

    /// <summary>Restores the saved optimizer state into <paramref name="optimizer"/> (same kind, same parameter shapes).</summary>
    public void RestoreOptimizer(Optimizer optimizer)
    {
        CheckOptimizerKind(optimizer);
        optimizer.LoadState(OptimizerState, Source);
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> unless the file holds state of <paramref name="optimizer"/>'s kind.</summary>
    internal void CheckOptimizerKind(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (OptimizerState.Count == 0) throw new InvalidOperationException($"{Source}: holds no optimizer state");
        if (Metadata.Optimizer is { } kind && kind != optimizer.GetType().Name)
            throw new InvalidOperationException($"{Source}: holds {kind} state, not {optimizer.GetType().Name} state");
    }

    /// <summary>
    /// The checksum of <paramref name="metadata"/> (without <see cref="ChecksumKey"/>) and the data section, given as
    /// its pieces in file order: a bit flipped anywhere but in the tensor descriptions (which are checked) changes it.
    /// </summary>
    private static string Checksum(IReadOnlyDictionary<string, string> metadata, IEnumerable<ReadOnlyMemory<byte>> data)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] separator = [0];
        foreach (var (key, value) in metadata.Where(p => p.Key != ChecksumKey).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(key));
            hash.AppendData(separator);
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(value));
            hash.AppendData(separator);
        }
        foreach (var piece in data) hash.AppendData(piece.Span);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void VerifyChecksum(SafeTensorsFile file, string source)
    {
        if (!file.Metadata.TryGetValue(ChecksumKey, out string? expected)) return; // written elsewhere (PyTorch): nothing to verify
        string actual = Checksum(file.Metadata, [file.DataSection]);
        if (!string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{source}: checkpoint corrupted: the SHA-256 of its metadata and tensor data is {actual}, but {expected} was recorded when it was saved");
    }

    // The spec's weights are counted, not built, and compared with what the file holds: a spec such as "mlp:30000,30000"
    // in a small file is refused before gigabytes are allocated for a model whose weights are not there.
    private static void CheckModelSize(IReadOnlyDictionary<string, Tensor> weights, ModelSpec spec, CheckpointMetadata metadata, string source)
    {
        long stored = 0;
        foreach (var (_, tensor) in weights) stored += tensor.Numel;
        long needed;
        try { needed = spec.StateSize(metadata.InputShape!, metadata.NumClasses!.Value); }
        catch (ArgumentException e) { throw new InvalidDataException($"{source}: {e.Message}", e); }
        if (needed != stored)
            throw new InvalidDataException(
                $"{source}: model_spec '{metadata.ModelSpec}' for input {Shapes.Format(metadata.InputShape)} and {metadata.NumClasses} classes has {needed} weight values, but the file's model entries hold {stored}");
    }

    // The config is the caller's, stored verbatim, but whoever resumes parses it: it must be a JSON object of bounded
    // depth, and the conventional settings, when present, must be usable (a batch_size of 0 would divide by zero).
    private static void CheckTrainingConfig(string json, string source)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxTrainingConfigDepth });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{source}: training_config must be a JSON object, but is {doc.RootElement.ValueKind}");
            foreach (string key in (string[])["epochs", "batch_size"])
            {
                if (doc.RootElement.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null
                    && !(value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n) && n > 0))
                    throw new InvalidDataException($"{source}: training_config {key} is {Printable(value.GetRawText())}, not a positive integer");
            }
            if (doc.RootElement.TryGetProperty("lr", out var lr) && lr.ValueKind != JsonValueKind.Null
                && !(lr.ValueKind == JsonValueKind.Number && lr.TryGetDouble(out double rate) && double.IsFinite(rate) && rate > 0))
                throw new InvalidDataException($"{source}: training_config lr is {Printable(lr.GetRawText())}, not a positive number");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: training_config is not valid JSON (of depth at most {MaxTrainingConfigDepth}): {e.Message}", e);
        }
    }

    // Text from a file may hold anything: keep messages to one short line of printable characters.
    private static string Printable(string text)
    {
        var sb = new System.Text.StringBuilder();
        foreach (char ch in text.Length > 40 ? text[..40] + "…" : text)
            sb.Append(char.IsControl(ch) ? $"\\u{(int)ch:x4}" : ch);
        return sb.ToString();
    }

    // The model's description (spec, input shape, classes) is required only to rebuild the model from the file alone.
    private static CheckpointMetadata ParseMetadata(IReadOnlyDictionary<string, string> meta, string source, bool requireModelSpec)
    {
        string Required(string key) => meta.TryGetValue(key, out var v) ? v
            : throw new InvalidDataException($"{source}: the metadata has no '{key}' (is this a backprop checkpoint? it needs format '{FormatName}')");
        string? Described(string key) => requireModelSpec ? Required(key)
            : meta.TryGetValue(key, out var v) ? v : null;
        string format = Required("format");
        if (format != FormatName) throw new InvalidDataException($"{source}: format '{format}' is not supported (expected '{FormatName}')");
        int[]? inputShape = null;
        if (Described("input_shape") is { } inputShapeText)
        try
        {
            using var doc = JsonDocument.Parse(inputShapeText);
            inputShape = new int[doc.RootElement.GetArrayLength()];
            int i = 0;
            foreach (var e in doc.RootElement.EnumerateArray()) inputShape[i++] = e.GetInt32();
            if (inputShape.Length == 0 || Array.Exists(inputShape, d => d <= 0)) throw new FormatException("empty or not positive");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{source}: input_shape '{meta["input_shape"]}' is not a non-empty JSON array of positive integers", e);
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
        string? config = meta.TryGetValue("training_config", out var c) ? c : null;
        if (config is not null) CheckTrainingConfig(config, source);
        int? numClasses = Described("num_classes") is { } classesText ? Int(classesText, "num_classes") : null;
        if (numClasses <= 0) throw new InvalidDataException($"{source}: num_classes {numClasses} is not positive");
        int epoch = meta.TryGetValue("epoch", out var ep) ? Int(ep, "epoch") : 0;
        if (epoch < 0) throw new InvalidDataException($"{source}: epoch {epoch} is negative");
        return new CheckpointMetadata
        {
            ModelSpec = Described("model_spec"),
            InputShape = inputShape,
            NumClasses = numClasses,
            DType = dtype,
            TrainingConfigJson = config,
            Epoch = epoch,
            GeneratorState = generator,
            Optimizer = meta.TryGetValue("optimizer", out var o) ? o : null,
        };

        int Int(string text, string key) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
            : throw new InvalidDataException($"{source}: {key} '{text}' is not an integer");
    }
}

