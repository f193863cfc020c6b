using System.Text.Json;
using Backprop.Data;

namespace Backprop.Cli.Training;

/// <summary>
/// The training and test sets of a run, standardised with statistics of the training set only: images
/// ([C, H, W]) with one mean and deviation over all pixels, feature vectors per feature. Networks train faster and
/// more reliably on inputs centred at 0 with unit spread, and fitting on the training set alone keeps the test set
/// unseen. The statistics are recorded in the checkpoint's config so predictions can apply the same transform.
/// </summary>
public sealed record TrainingData(Dataset Train, Dataset Test, Standardization Standardization)
{
    /// <summary>Loads <paramref name="choice"/> and standardises both parts.</summary>
    public static TrainingData Load(DataChoice choice)
    {
        var (train, test) = choice.Load();
        if (train.Count == 0) throw new CommandFailedException($"train: the data set '{choice}' has no training samples", ExitCodes.Failure);
        var scope = train.SampleShape.Length == 3 ? StandardizationScope.Global : StandardizationScope.PerFeature;
        var standardization = Standardization.Fit(train, scope);
        return new TrainingData(standardization.Apply(train), standardization.Apply(test), standardization);
    }

    /// <summary>Writes the statistics as the <c>standardization</c> property: scope, then mean and std (numbers for global, arrays per feature).</summary>
    public void WriteStandardization(Utf8JsonWriter w)
    {
        w.WriteStartObject("standardization");
        bool global = Standardization.Scope == StandardizationScope.Global;
        w.WriteString("scope", global ? "global" : "per-feature");
        if (global)
        {
            w.WriteNumber("mean", Standardization.Mean[0]);
            w.WriteNumber("std", Standardization.StandardDeviation[0]);
        }
        else
        {
            w.WriteStartArray("mean");
            foreach (float v in Standardization.Mean) w.WriteNumberValue(v);
            w.WriteEndArray();
            w.WriteStartArray("std");
            foreach (float v in Standardization.StandardDeviation) w.WriteNumberValue(v);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }
}
