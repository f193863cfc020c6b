namespace Backprop.Data;

/// <summary>
/// The directory layout shared by MNIST and Fashion-MNIST: four IDX files with fixed names, each raw or gzip
/// (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, optionally ".gz").
/// </summary>
internal static class MnistLayout
{
    public const string TrainImages = "train-images-idx3-ubyte";
    public const string TrainLabels = "train-labels-idx1-ubyte";
    public const string TestImages = "t10k-images-idx3-ubyte";
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>True if the directory holds all four files (raw or .gz).</summary>
    public static bool IsComplete(string directory) =>
        Directory.Exists(directory) &&
        FindFile(directory, TrainImages) is not null && FindFile(directory, TrainLabels) is not null &&
        FindFile(directory, TestImages) is not null && FindFile(directory, TestLabels) is not null;

    /// <summary>Loads the training and test sets, named "{datasetName}-train" and "{datasetName}-test".</summary>
    /// <param name="directory">The directory holding the four files.</param>
    /// <param name="datasetName">Used in the data sets' names and in messages, e.g. "fashion-mnist".</param>
    /// <param name="howToGetTheData">Appended to the message when files are missing.</param>
    public static (Dataset Train, Dataset Test) Load(string directory, string datasetName, string howToGetTheData)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
        {
            throw new DataFormatException($"{directory}: directory not found, so {datasetName} cannot be loaded. {howToGetTheData}");
        }
        string trainImages = RequireFile(directory, TrainImages, datasetName, howToGetTheData);
        string trainLabels = RequireFile(directory, TrainLabels, datasetName, howToGetTheData);
        string testImages = RequireFile(directory, TestImages, datasetName, howToGetTheData);
        string testLabels = RequireFile(directory, TestLabels, datasetName, howToGetTheData);
        Dataset train = IdxReader.LoadPair(trainImages, trainLabels, datasetName + "-train");
        Dataset test = IdxReader.LoadPair(testImages, testLabels, datasetName + "-test");
        return (train, test);
    }

    private static string RequireFile(string directory, string baseName, string datasetName, string howToGetTheData) =>
        FindFile(directory, baseName) ?? throw new DataFormatException(
            $"{directory}: neither {baseName} nor {baseName}.gz was found, so {datasetName} cannot be loaded. {howToGetTheData}");

    /// <summary>The raw file if present, else the .gz one, else null.</summary>
    private static string? FindFile(string directory, string baseName)
    {
        string raw = Path.Combine(directory, baseName);
        if (File.Exists(raw))
        {
            return raw;
        }
        string compressed = raw + ".gz";
        return File.Exists(compressed) ? compressed : null;
    }
}
