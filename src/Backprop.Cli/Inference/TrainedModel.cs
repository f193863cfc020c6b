using System.Text.Json;
using Backprop.Data;
using Backprop.NN;
using Backprop.Serialization;

namespace Backprop.Cli.Inference;

/// <summary>
/// A checkpoint opened for inference, with what its training config says about the data the model learned from:
/// the data set's name, the seed of its train/test split and the standardisation fitted on the training set.
/// </summary>
/// <remarks>
/// The training config is free-form JSON written by `backprop train`; it is read leniently — every field is optional
/// and a missing one only means a default is used — so that checkpoints written by other versions or by the library
/// API still evaluate. Recognised: <c>data</c> (or <c>dataset</c>): the `--data` text; <c>split_seed</c>: the seed
/// of a CSV file's train/test split (not <c>seed</c>, which `backprop train` uses for weights and sample order only:
/// its CSV split always uses seed 0); <c>standardization</c> (or <c>standardisation</c>, <c>normalization</c>): an
/// object with <c>mean</c> and <c>std</c> (or <c>standard_deviation</c>), each a number (one for all features), one
/// number per channel, or one per feature — what `backprop train` writes (see Training/TrainingData.cs).
/// </remarks>
public sealed class TrainedModel
{
    private TrainedModel(Checkpoint checkpoint, string? dataName, ulong? splitSeed, Standardization? standardization)
    {
        Checkpoint = checkpoint;
        DataName = dataName;
        SplitSeed = splitSeed;
        Standardization = standardization;
    }

    /// <summary>The loaded checkpoint.</summary>
    public Checkpoint Checkpoint { get; }

    /// <summary>The model, in evaluation mode.</summary>
    public Sequential Model => Checkpoint.Model;

    /// <summary>The shape of one input sample, without the batch axis.</summary>
    public int[] InputShape => Checkpoint.Metadata.InputShape!; // Checkpoint.Load requires it

    /// <summary>The number of values in one input sample.</summary>
    public int FeatureCount => Shapes.Numel(InputShape);

    /// <summary>The number of classes the model predicts.</summary>
    public int NumClasses => Checkpoint.Metadata.NumClasses!.Value; // Checkpoint.Load requires it

    /// <summary>The `--data` text the model was trained on (e.g. "digits", "csv:iris.csv"), or null when not recorded.</summary>
    public string? DataName { get; }

    /// <summary>The seed of the train/test split of a CSV data set, or null when not recorded.</summary>
    public ulong? SplitSeed { get; }

    /// <summary>The standardisation fitted on the training set, or null when the training data was not standardised.</summary>
    public Standardization? Standardization { get; }

    /// <summary>
    /// The factor raw CSV features are multiplied by to match what the model was trained on, as the data loaders scale
    /// them: the digits' 0..16 pixels by 1/16, MNIST-style 0..255 pixels by 1/255, anything else unchanged.
    /// </summary>
    public float CsvFeatureScale => DataKind switch
    {
        "digits" => 1f / 16f,
        "mnist" or "fashion-mnist" => 1f / 255f,
        _ => 1f,
    };

    /// <summary>The kind of data the model was trained on ("digits", "fashion-mnist", ...; the `--data` text before any colon), or null when not recorded.</summary>
    public string? DataKind => DataName is null ? null : DataName.Split(':', 2)[0];

    /// <summary>The names of the classes the model predicts (<see cref="Inference.ClassNames"/>).</summary>
    public IReadOnlyList<string> ClassNames => Inference.ClassNames.For(DataKind, NumClasses);

    /// <summary>
    /// Opens <paramref name="path"/>. A missing file and a file that is not a safetensors checkpoint become one-line
    /// <see cref="CommandFailedException"/>s; a checkpoint with bad metadata throws <see cref="InvalidDataException"/>.
    /// </summary>
    public static TrainedModel Load(string path)
    {
        if (Directory.Exists(path)) throw new CommandFailedException($"checkpoint '{path}' is a directory, not a file (did you mean {Path.Combine(path, "model.safetensors")}?)", ExitCodes.Failure);
        if (!File.Exists(path)) throw new CommandFailedException($"checkpoint '{path}' does not exist", ExitCodes.Failure);
        Checkpoint checkpoint;
        try
        {
            checkpoint = Checkpoint.Load(path);
        }
        catch (SafeTensorsFormatException e)
        {
            throw new CommandFailedException($"'{path}' is not a safetensors checkpoint: {e.Message}", ExitCodes.Failure);
        }
        catch (ArgumentException e)
        {
            // Documented by Checkpoint.Load for a weight whose shape does not fit the model its metadata describes.
            throw new CommandFailedException(e.Message, ExitCodes.Failure);
        }
        string source = $"checkpoint '{Path.GetFileName(path)}'";
        var (dataName, splitSeed, standardization) = ReadTrainingConfig(checkpoint.Metadata.TrainingConfigJson, checkpoint.Metadata.InputShape!, source);
        return new TrainedModel(checkpoint, dataName, splitSeed, standardization);
    }

    private static (string? Data, ulong? Seed, Standardization? Standardization) ReadTrainingConfig(string? json, int[] inputShape, string source)
    {
        if (json is null) return (null, null, null);
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return (null, null, null);
            string? data = FirstProperty(root, "data", "dataset") is { ValueKind: JsonValueKind.String } d ? d.GetString() : null;
            ulong? seed = FirstProperty(root, "split_seed") is { ValueKind: JsonValueKind.Number } s && s.TryGetUInt64(out ulong v) ? v : null;
            Standardization? standardization = null;
            if (FirstProperty(root, "standardization", "standardisation", "normalization", "normalisation") is { ValueKind: JsonValueKind.Object } st)
            {
                var mean = FirstProperty(st, "mean") ?? throw new InvalidDataException($"{source}: the training config's standardisation has no 'mean'");
                var std = FirstProperty(st, "std", "standard_deviation", "stddev") ?? throw new InvalidDataException($"{source}: the training config's standardisation has no 'std'");
                standardization = new Standardization(PerFeature(mean, "mean", inputShape, source), PerFeature(std, "std", inputShape, source));
            }
            return (data, seed, standardization);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: the training config is not valid JSON: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: the training config's standardisation is unusable: {e.Message}", e);
        }
    }

    private static JsonElement? FirstProperty(JsonElement obj, params string[] names)
    {
        foreach (string name in names)
            if (obj.TryGetProperty(name, out var value)) return value;
        return null;
    }

    // Statistics are stored however they were pooled; applying them wants one value per feature position.
    private static float[] PerFeature(JsonElement? element, string what, int[] inputShape, string source)
    {
        int size = Shapes.Numel(inputShape);
        var e = element!.Value;
        if (e.ValueKind == JsonValueKind.Number) return Enumerable.Repeat((float)e.GetDouble(), size).ToArray();
        if (e.ValueKind != JsonValueKind.Array || e.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.Number))
            throw new InvalidDataException($"{source}: the training config's standardisation '{what}' is not a number or an array of numbers");
        var values = e.EnumerateArray().Select(x => (float)x.GetDouble()).ToArray();
        if (values.Length == size) return values;
        if (values.Length == 1) return Enumerable.Repeat(values[0], size).ToArray();
        if (inputShape.Length > 1 && values.Length == inputShape[0])
        {
            int perChannel = size / inputShape[0];
            return Enumerable.Range(0, size).Select(i => values[i / perChannel]).ToArray();
        }
        throw new InvalidDataException(
            $"{source}: the training config's standardisation '{what}' has {values.Length} values; the input {Shapes.Format(inputShape)} needs 1, {(inputShape.Length > 1 ? $"{inputShape[0]} (one per channel) or " : "")}{size}");
    }
}
