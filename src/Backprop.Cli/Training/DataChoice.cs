using Backprop.Datasets;
using Backprop.Data;

namespace Backprop.Cli.Training;

/// <summary>
/// The data sets `--data` can name, loaded as (train, test):
/// <c>digits</c> (embedded), <c>fashion-mnist [DIR]</c>, <c>mnist DIR</c>, <c>csv FILE</c>, <c>quadrants</c>, <c>spiral</c>, <c>moons</c>.
/// A directory or file may follow the name after a colon (<c>mnist:/data/mnist</c>) or as the next argument.
/// </summary>
public sealed record DataChoice(string Kind, string? Path)
{
    /// <summary>The names `--data` accepts.</summary>
    public static readonly string[] Kinds = ["digits", "fashion-mnist", "mnist", "csv", "quadrants", "spiral", "moons"];

    /// <summary>Reads `--data` (and a following positional path).</summary>
    public static DataChoice Parse(string command, string? text, string? positionalPath)
    {
        text ??= "digits";
        string kind = text, path = positionalPath ?? "";
        int colon = text.IndexOf(':');
        if (colon > 0)
        {
            kind = text[..colon];
            path = text[(colon + 1)..];
        }
        if (!Kinds.Contains(kind))
            throw new UsageException($"{command}: unknown data set '{kind}'; expected one of {string.Join(", ", Kinds)}");
        if (kind is "mnist" or "csv" && path.Length == 0)
            throw new UsageException($"{command}: --data {kind} needs a {(kind == "csv" ? "file" : "directory")} (--data {kind}:PATH or --data {kind} PATH)");
        if (kind is "digits" or "quadrants" or "spiral" or "moons" && path.Length > 0)
            throw new UsageException($"{command}: --data {kind} takes no path, got '{path}'");
        return new DataChoice(kind, path.Length == 0 ? null : path);
    }

    /// <summary>Text that names this choice in summaries and checkpoints (`fashion-mnist`, `csv:iris.csv`).</summary>
    public override string ToString() => Path is null ? Kind : $"{Kind}:{Path}";

    /// <summary>Loads the training and test sets; errors name the file and what is wrong.</summary>
    public (Dataset Train, Dataset Test) Load(ulong seed = 0)
    {
        switch (Kind)
        {
            case "digits": return Digits.LoadSplit();
            case "fashion-mnist":
                if (!FashionMnist.IsAvailable(Path))
                    throw new CommandFailedException(
                        $"Fashion-MNIST not found in {Path ?? FashionMnist.DefaultDirectory}: install it with 'apt-get install dataset-fashion-mnist' (or tools/install-reference.sh), or pass the directory holding the four IDX files: --data fashion-mnist:DIR",
                        ExitCodes.Failure);
                return FashionMnist.Load(Path);
            case "mnist":
                if (!Directory.Exists(Path))
                    throw new CommandFailedException($"MNIST directory '{Path}' does not exist; pass the directory holding train-images-idx3-ubyte(.gz) and the three other IDX files", ExitCodes.Failure);
                return Mnist.Load(Path!);
            case "csv":
                if (!File.Exists(Path)) throw new CommandFailedException($"CSV file '{Path}' does not exist", ExitCodes.Failure);
                return CsvReader.Load(Path!).StratifiedSplit(0.2, seed);
            case "quadrants": return (Synthetic.Quadrants(2000, 1), Synthetic.Quadrants(1000, 2));
            case "spiral": return (Synthetic.Spiral(3000, 3, 1), Synthetic.Spiral(1500, 3, 2));
            default: return (Synthetic.Moons(2000, 1), Synthetic.Moons(1000, 2));
        }
    }
}
