using Backprop.Data;
using Backprop.NN;

namespace Backprop.Tests.Reports;

/// <summary>Small models and data sets for the report tests, with hand-set weights where the figures are worked out by hand.</summary>
internal static class ReportModels
{
    /// <summary>One Linear layer whose logits are the features themselves (identity weight, zero bias).</summary>
    public static Sequential IdentityLinear(int features)
    {
        var model = ModelSpec.Parse("linear").Build([features], features, new Generator(1));
        var linear = model.Layers.OfType<Linear>().Single();
        var identity = new float[features, features];
        for (int i = 0; i < features; i++) identity[i, i] = 1;
        linear.Weight.CopyFrom(Tensor.FromArray(identity));
        linear.Bias!.CopyFrom(Tensor.Zeros([features]));
        return model;
    }

    /// <summary>A data set of the given feature rows and labels, <paramref name="classes"/> classes.</summary>
    public static Dataset Rows(float[][] rows, int[] labels, int classes) =>
        new("hand", [.. rows.SelectMany(r => r)], labels, [rows[0].Length], classes);

    /// <summary><paramref name="count"/> random 4×4 one-channel images, labels cycling through 3 classes.</summary>
    public static Dataset RandomImages(int count, ulong seed, int channels = 1)
    {
        var generator = new Generator(seed);
        var features = Tensor.Rand([count, channels, 4, 4], generator).ToFloatArray();
        return new Dataset("images", features, [.. Enumerable.Range(0, count).Select(i => i % 3)], [channels, 4, 4], 3);
    }
}
