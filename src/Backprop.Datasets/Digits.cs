using Backprop.Data;

namespace Backprop.Datasets;

/// <summary>
/// The handwritten digits data set embedded in the library, so that training runs with no download:
/// 1,797 grey images of 8×8 pixels, digits 0 to 9.
/// </summary>
/// <remarks>
/// <para>
/// Attribution: the test set of the UCI "Optical Recognition of Handwritten Digits" data set, E. Alpaydin and
/// C. Kaynak (1998), UCI Machine Learning Repository, licensed CC BY 4.0
/// (https://creativecommons.org/licenses/by/4.0/), in the CSV form shipped by scikit-learn. Embedded as the
/// resource "Backprop.Datasets.digits.csv.gz": per row 64 pixel values 0..16 (8×8, row-major), then the label; no header.
/// </para>
/// <para>Class sizes: 178, 182, 177, 183, 181, 182, 181, 179, 174, 180 for the digits 0 to 9.</para>
/// </remarks>
public static class Digits
{
    /// <summary>The name of the embedded resource holding the gzip-compressed CSV.</summary>
    public const string ResourceName = "Backprop.Datasets.digits.csv.gz";

    /// <summary>The share of each class that <see cref="LoadSplit"/> puts in the test set.</summary>
    public const double TestFraction = 0.2;

    /// <summary>The seed with which <see cref="LoadSplit"/> chooses the test samples.</summary>
    public const ulong SplitSeed = 20240601;

    /// <summary>
    /// Loads all 1,797 samples, named "digits": sample shape [1, 8, 8], pixels divided by 16 to [0, 1], 10 classes.
    /// Each call returns new arrays.
    /// </summary>
    public static Dataset Load()
    {
        Stream resource = typeof(Digits).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource '{ResourceName}' is missing from the Backprop.Datasets assembly; the build is broken.");
        using (resource)
        {
            return CsvReader.Read(resource, ResourceName, new CsvOptions
            {
                HasHeader = false,
                LabelColumnIndex = -1,
                NumClasses = 10,
                SampleShape = [1, 8, 8],
                FeatureScale = 1f / 16f,
                Name = "digits",
            });
        }
    }

    /// <summary>
    /// Loads the fixed training/test split used throughout the project: 1,438 training and 359 test samples,
    /// named "digits-train" and "digits-test", identical on every machine and .NET version.
    /// </summary>
    /// <remarks>
    /// Exactly <c>Load().StratifiedSplit(TestFraction, SplitSeed)</c>: with a <see cref="Generator"/> seeded with
    /// <see cref="SplitSeed"/>, for each digit 0..9 in order, the rows of that digit (in file order) are shuffled
    /// (Fisher–Yates) and the first round(0.2 · n), halves up, go to the test set — 36, 36, 35, 37, 36, 36, 36, 36,
    /// 35, 36 test samples for the digits 0 to 9. Both parts keep the file's row order.
    /// </remarks>
    public static (Dataset Train, Dataset Test) LoadSplit() => Load().StratifiedSplit(TestFraction, SplitSeed);
}
