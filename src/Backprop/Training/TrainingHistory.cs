using System.Text.Json;
using Backprop.Serialization;

namespace Backprop.Training;

/// <summary>
/// The finished epochs' figures a trainer's checkpoint carries (the <c>progress</c> of its training config), for
/// tools that look at a run after the fact, such as a report drawn for a checkpoint.
/// </summary>
public static class TrainingHistory
{
    /// <summary>
    /// The epochs recorded in <paramref name="metadata"/>, in order; null when the checkpoint holds no trainer
    /// progress (it was saved by <see cref="Checkpoint.Save"/> directly, or by another program).
    /// </summary>
    /// <exception cref="InvalidDataException">The progress is there but malformed; the message names <paramref name="source"/>.</exception>
    public static IReadOnlyList<EpochMetrics>? Read(CheckpointMetadata metadata, string source = "checkpoint")
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (!HasProgress(metadata.TrainingConfigJson, source)) return null;
        return TrainingState.FromJson(metadata.TrainingConfigJson, source).History;
    }

    private static bool HasProgress(string? json, string source)
    {
        if (json is null) return false;
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(TrainingState.PropertyName, out _);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: its training config is not valid JSON: {e.Message}", e);
        }
    }
}
