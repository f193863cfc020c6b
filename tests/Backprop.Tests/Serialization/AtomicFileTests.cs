using Backprop.Serialization;
using Backprop.Tests.Data;

namespace Backprop.Tests.Serialization;

public sealed class AtomicFileTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void WritesAndReplacesContentsWithoutByteOrderMark()
    {
        string path = _scratch.File("metrics.csv");
        AtomicFile.WriteAllText(path, "epoch,loss\n");
        AtomicFile.WriteAllText(path, "epoch,loss\n1,0.5\n");
        Assert.Equal("epoch,loss\n1,0.5\n"u8.ToArray(), File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_scratch.Path));
    }

    [Fact]
    public void CreatesMissingDirectories()
    {
        string path = Path.Combine(_scratch.Path, "runs", "1", "report.svg");
        AtomicFile.WriteAllBytes(path, new byte[] { 1, 2, 3 });
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
    }

    [Fact]
    public void FailureMidWriteKeepsTheOldFileAndRemovesTheTemporaryOne()
    {
        string path = _scratch.File("model.bin");
        AtomicFile.WriteAllText(path, "old");
        var error = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("partial new contents"u8);
            throw new InvalidOperationException("crash");
        }));
        Assert.Equal("crash", error.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(_scratch.Path));
    }

    [Fact]
    public void FailureOnFirstWriteLeavesNoFileAtAll()
    {
        string path = _scratch.File("new.bin");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, _ => throw new InvalidOperationException()));
        Assert.Empty(Directory.GetFiles(_scratch.Path));
    }

    [Fact]
    public void CallbackThatClosesTheStreamIsReported()
    {
        string path = _scratch.File("closed.txt");
        var error = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream);
            writer.Write("text");
        }));
        Assert.Contains("leaveOpen", error.Message);
        Assert.Empty(Directory.GetFiles(_scratch.Path));
    }
}
