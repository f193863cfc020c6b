namespace Backprop.Data;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul &amp; Vollgraf, 2017; Zalando SE, MIT licence): 28×28 grey images of clothing in
/// 10 classes, 60,000 for training and 10,000 for testing, in the IDX format.
/// </summary>
/// <remarks>
/// Not shipped with the library (30 MB). On Debian, <c>apt-get install dataset-fashion-mnist</c> puts the four
/// gzip-compressed IDX files in <see cref="DefaultDirectory"/>; any directory holding the four files
/// (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each
/// raw or with ".gz") works too.
/// </remarks>
public static class FashionMnist
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    private const string HowToGetTheData =
        "Install it with 'apt-get install dataset-fashion-mnist' (files go to " + DefaultDirectory +
        "), or pass the directory that holds the four IDX files train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each raw or .gz).";

    /// <summary>The class names, indexed by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>True if <paramref name="directory"/> (by default <see cref="DefaultDirectory"/>) holds the four files.</summary>
    public static bool IsAvailable(string? directory = null) => MnistLayout.IsComplete(directory ?? DefaultDirectory);

    /// <summary>
    /// Loads the training (60,000) and test (10,000) sets, named "fashion-mnist-train" and "fashion-mnist-test":
    /// sample shape [1, 28, 28], pixels scaled to [0, 1], 10 classes.
    /// </summary>
    /// <param name="directory">The directory with the four IDX files; by default <see cref="DefaultDirectory"/>.</param>
    /// <exception cref="DataFormatException">The directory or a file is missing (the message says how to get the data), or a file is malformed.</exception>
    public static (Dataset Train, Dataset Test) Load(string? directory = null) =>
        MnistLayout.Load(directory ?? DefaultDirectory, "fashion-mnist", HowToGetTheData);
}
