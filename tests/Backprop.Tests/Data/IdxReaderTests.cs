using Backprop.Data;

namespace Backprop.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ImagesAndLabelsRoundTripRawAndGzip(bool gzip)
    {
        // Named without ".gz" even when compressed: compression must be recognised by content.
        string images = _scratch.File("images");
        string labels = _scratch.File("labels");
        IdxFileWriter.WriteImages(images, count: 3, rows: 2, columns: 4, gzip);
        IdxFileWriter.WriteLabels(labels, [7, 0, 9], gzip);

        IdxImages read = IdxReader.LoadImages(images);
        Assert.Equal((3, 2, 4), (read.Count, read.Rows, read.Columns));
        Assert.Equal(Enumerable.Range(0, 24).Select(i => (byte)i), read.Pixels);
        Assert.Equal(new byte[] { 7, 0, 9 }, IdxReader.LoadLabels(labels));

        Dataset data = IdxReader.LoadPair(images, labels, "tiny");
        Assert.Equal("tiny", data.Name);
        Assert.Equal(new[] { 1, 2, 4 }, data.SampleShape);
        Assert.Equal(3, data.Count);
        Assert.Equal(10, data.NumClasses);
        Assert.Equal(new[] { 7, 0, 9 }, data.Labels);
        Assert.Equal(5f / 255f, data.Features[5]);
        Assert.Equal(23f / 255f, data.Features[23]);
    }

    [Fact]
    public void PixelScalingMapsByteRangeToUnitInterval()
    {
        string images = _scratch.File("images");
        string labels = _scratch.File("labels");
        IdxFileWriter.WriteImages(images, count: 1, rows: 1, columns: 2, gzip: false, pixel: i => i == 0 ? (byte)0 : (byte)255);
        IdxFileWriter.WriteLabels(labels, [1], gzip: false);
        Assert.Equal(new[] { 0f, 1f }, IdxReader.LoadPair(images, labels, "x").Features);
    }

    [Fact]
    public void TruncatedPixelDataNamesExpectedAndFoundByteCounts()
    {
        string path = _scratch.File("truncated");
        byte[] full = IdxFileWriter.Encode(0x00000803, [10, 28, 28], new byte[7840]);
        File.WriteAllBytes(path, full[..(16 + 1000)]);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.LoadImages(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("expected 7840 bytes of pixel data", error.Message);
        Assert.Contains("found 1000", error.Message);
        Assert.Contains("byte 1016", error.Message);
    }

    [Fact]
    public void TruncatedGzipPixelDataIsReportedInDecompressedOffsets()
    {
        string path = _scratch.File("truncated.gz");
        IdxFileWriter.Write(path, IdxFileWriter.Encode(0x00000803, [10, 28, 28], new byte[500]), gzip: true);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.LoadImages(path));
        Assert.Contains("expected 7840 bytes of pixel data", error.Message);
        Assert.Contains("found 500", error.Message);
        Assert.Contains("decompressed", error.Message);
    }

    [Fact]
    public void WrongMagicSaysWhatWasExpectedAndFound()
    {
        string labels = _scratch.File("labels");
        IdxFileWriter.WriteLabels(labels, [1, 2], gzip: false);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.LoadImages(labels));
        Assert.Contains(labels, error.Message);
        Assert.Contains("byte 0", error.Message);
        Assert.Contains("expected the IDX magic number 0x00000803", error.Message);
        Assert.Contains("found 0x00000801", error.Message);
    }

    [Fact]
    public void NonIdxFileIsRejectedAtByteZero()
    {
        string path = _scratch.File("text.idx");
        File.WriteAllText(path, "hello, world");
        var error = Assert.Throws<DataFormatException>(() => IdxReader.LoadLabels(path));
        Assert.Contains("not an IDX file", error.Message);
    }

    [Fact]
    public void TrailingBytesAreRejected()
    {
        string path = _scratch.File("labels");
        byte[] contents = IdxFileWriter.Encode(0x00000801, [2], [1, 2]);
        File.WriteAllBytes(path, [.. contents, 99]);
        var error = Assert.Throws<DataFormatException>(() => IdxReader.LoadLabels(path));
        Assert.Contains("byte 10", error.Message);
        Assert.Contains("more data", error.Message);
    }

    [Fact]
    public void ImageAndLabelCountMismatchNamesBothFiles()
    {
        string images = _scratch.File("images");
        string labels = _scratch.File("labels");
        IdxFileWriter.WriteImages(images, count: 3, rows: 2, columns: 2, gzip: false);
        IdxFileWriter.WriteLabels(labels, [1, 2], gzip: true);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.LoadPair(images, labels, "x"));
        Assert.Contains($"{images} has 3 images", error.Message);
        Assert.Contains($"{labels} has 2 labels", error.Message);
    }

    [Fact]
    public void LabelOutsideClassRangeNamesItemAndOffset()
    {
        string images = _scratch.File("images");
        string labels = _scratch.File("labels");
        IdxFileWriter.WriteImages(images, count: 2, rows: 1, columns: 1, gzip: false);
        IdxFileWriter.WriteLabels(labels, [1, 12], gzip: false);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.LoadPair(images, labels, "x"));
        Assert.Contains("byte 9", error.Message);
        Assert.Contains("label 12 of item 1", error.Message);
    }

    [Fact]
    public void MissingFileSaysSo()
    {
        string path = _scratch.File("nope-idx3-ubyte");
        var error = Assert.Throws<DataFormatException>(() => IdxReader.LoadImages(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("not found", error.Message);
    }
}
