namespace Backprop.Data;

/// <summary>
/// The original MNIST handwritten digits (LeCun, Cortes &amp; Burges): 28×28 grey images, 60,000 for training
/// and 10,000 for testing, in the IDX format. Not shipped and not packaged by Debian: pass the directory
/// holding the four files the user has.
/// </summary>
public static class Mnist
{
    private const string HowToGetTheData =
        "Pass the directory that holds the four MNIST IDX files train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each raw or .gz).";

    /// <summary>True if <paramref name="directory"/> holds the four files.</summary>
    public static bool IsAvailable(string directory) => MnistLayout.IsComplete(directory);

    /// <summary>
    /// Loads the training and test sets, named "mnist-train" and "mnist-test": sample shape [1, 28, 28],
    /// pixels scaled to [0, 1], 10 classes.
    /// </summary>
    /// <exception cref="DataFormatException">The directory or a file is missing, or a file is malformed.</exception>
    public static (Dataset Train, Dataset Test) Load(string directory) =>
        MnistLayout.Load(directory, "mnist", HowToGetTheData);
}
