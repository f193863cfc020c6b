using Backprop.Data;
using Backprop.Tests.Requirements;

namespace Backprop.Tests.Data;

public sealed class FashionMnistTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void MissingDirectoryExplainsHowToGetTheData()
    {
        string directory = _scratch.File("absent");
        var error = Assert.Throws<DataFormatException>(() => FashionMnist.Load(directory));
        Assert.Contains(directory, error.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", error.Message);
        Assert.Contains("train-images-idx3-ubyte", error.Message);
        Assert.False(FashionMnist.IsAvailable(directory));
    }

    [Fact]
    public void MissingFileInDirectoryIsNamed()
    {
        WriteSet(_scratch.Path, "train", 2, gzip: false);
        var error = Assert.Throws<DataFormatException>(() => Mnist.Load(_scratch.Path));
        Assert.Contains("t10k-images-idx3-ubyte.gz", error.Message);
    }

    [Fact]
    public void LoadsTheFourFilesRawOrGzip()
    {
        WriteSet(_scratch.Path, "train", 5, gzip: true);
        WriteSet(_scratch.Path, "t10k", 3, gzip: false);
        Assert.True(FashionMnist.IsAvailable(_scratch.Path));

        (Dataset train, Dataset test) = FashionMnist.Load(_scratch.Path);
        Assert.Equal(("fashion-mnist-train", 5), (train.Name, train.Count));
        Assert.Equal(("fashion-mnist-test", 3), (test.Name, test.Count));
        Assert.Equal(new[] { 1, 28, 28 }, train.SampleShape);
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, train.Labels);
        Assert.Equal(10, FashionMnist.ClassNames.Count);
    }

    [FashionMnistFact]
    public void InstalledTestLabelsHaveOneThousandPerClass()
    {
        // Debian's dataset-fashion-mnist; the label file is 5 KB, so this stays fast.
        string path = Path.Combine(FashionMnist.DefaultDirectory, "t10k-labels-idx1-ubyte.gz");
        byte[] labels = IdxReader.LoadLabels(path);
        Assert.Equal(10_000, labels.Length);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(1000, labels.Count(l => l == c)));
    }

    private static void WriteSet(string directory, string prefix, int count, bool gzip)
    {
        string suffix = gzip ? ".gz" : "";
        IdxFileWriter.WriteImages(Path.Combine(directory, $"{prefix}-images-idx3-ubyte{suffix}"), count, 28, 28, gzip);
        IdxFileWriter.WriteLabels(Path.Combine(directory, $"{prefix}-labels-idx1-ubyte{suffix}"),
            Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray(), gzip);
    }
}
