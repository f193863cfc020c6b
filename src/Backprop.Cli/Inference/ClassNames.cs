using System.Globalization;
using Backprop.Data;

namespace Backprop.Cli.Inference;

/// <summary>
/// What the CLI calls each class of a data set, wherever it shows one (eval's confusion matrix, predict's rows, the
/// training report): Fashion-MNIST's garments ("T-shirt/top", "Trouser", ...); for the digits, MNIST and every
/// other data set the label itself ("0" .. "9").
/// </summary>
public static class ClassNames
{
    /// <summary>
    /// The names of <paramref name="numClasses"/> classes of the data set kind <paramref name="dataKind"/> (as
    /// `--data` names it: "fashion-mnist", "digits", ...; null when unknown, e.g. an ONNX model). A kind whose
    /// names do not cover the classes (a model with other outputs) falls back to the labels.
    /// </summary>
    public static IReadOnlyList<string> For(string? dataKind, int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numClasses);
        if (dataKind == "fashion-mnist" && numClasses == FashionMnist.ClassNames.Count) return FashionMnist.ClassNames;
        return Enumerable.Range(0, numClasses).Select(c => c.ToString(CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>Whether the names say more than the labels do (for tables that show both).</summary>
    public static bool AreWords(IReadOnlyList<string> names) =>
        names.Where((name, c) => name != c.ToString(CultureInfo.InvariantCulture)).Any();
}
