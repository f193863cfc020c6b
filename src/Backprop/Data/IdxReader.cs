using System.Buffers.Binary;
using System.IO.Compression;

namespace Backprop.Data;

/// <summary>
/// Reads IDX files, the format of MNIST and Fashion-MNIST, raw or gzip-compressed (recognised by content).
/// </summary>
/// <remarks>
/// Layout: a 4-byte big-endian magic number — two zero bytes, a data-type code (0x08 = unsigned byte) and the
/// number of dimensions — then each dimension size as a big-endian uint32, then the values. Images are
/// magic 0x00000803 (dimensions: count, rows, columns); labels are magic 0x00000801 (dimension: count).
/// Errors are <see cref="DataFormatException"/>s naming the file and the byte offset (within the decompressed
/// contents for a gzip file) and what was expected there.
/// </remarks>
public static class IdxReader
{
    /// <summary>The magic number of an image file: unsigned bytes, 3 dimensions.</summary>
    public const uint ImagesMagic = 0x00000803;

    /// <summary>The magic number of a label file: unsigned bytes, 1 dimension.</summary>
    public const uint LabelsMagic = 0x00000801;

    private const int HeaderStart = 0;

    /// <summary>Reads an image file (magic 0x00000803).</summary>
    /// <exception cref="DataFormatException">The file is missing, not an IDX image file, or truncated.</exception>
    public static IdxImages LoadImages(string path)
    {
        (int[] dimensions, byte[] data) = Load(path, ImagesMagic, "pixel data");
        return new IdxImages(data, dimensions[0], dimensions[1], dimensions[2]);
    }

    /// <summary>Reads a label file (magic 0x00000801): one byte per item.</summary>
    /// <exception cref="DataFormatException">The file is missing, not an IDX label file, or truncated.</exception>
    public static byte[] LoadLabels(string path) => Load(path, LabelsMagic, "label data").Data;

    /// <summary>
    /// Reads an image file and its label file into a data set with sample shape [1, rows, columns] and pixels
    /// scaled from 0..255 to [0, 1] (divided by 255).
    /// </summary>
    /// <param name="imagesPath">The IDX image file.</param>
    /// <param name="labelsPath">The IDX label file with one label per image.</param>
    /// <param name="name">The data set's name.</param>
    /// <param name="numClasses">The number of classes; every label must be below it (10 for MNIST and Fashion-MNIST).</param>
    /// <exception cref="DataFormatException">A file is missing or malformed, the counts differ, or a label is out of range.</exception>
    public static Dataset LoadPair(string imagesPath, string labelsPath, string name, int numClasses = 10)
    {
        IdxImages images = LoadImages(imagesPath);
        byte[] labelBytes = LoadLabels(labelsPath);
        if (labelBytes.Length != images.Count)
        {
            throw new DataFormatException(
                $"{imagesPath} has {images.Count} images but {labelsPath} has {labelBytes.Length} labels; they must be the same items.");
        }

        var labels = new int[labelBytes.Length];
        const int labelDataOffset = 8;
        for (int i = 0; i < labels.Length; i++)
        {
            if (labelBytes[i] >= numClasses)
            {
                throw new DataFormatException(
                    $"{labelsPath}: byte {labelDataOffset + i}: label {labelBytes[i]} of item {i} is outside [0, {numClasses}).");
            }
            labels[i] = labelBytes[i];
        }

        // A table gives exactly v / 255f for every byte value, without a division per pixel.
        Span<float> scaled = stackalloc float[256];
        for (int v = 0; v < 256; v++)
        {
            scaled[v] = v / 255f;
        }
        var features = new float[images.Pixels.Length];
        byte[] pixels = images.Pixels;
        for (int i = 0; i < pixels.Length; i++)
        {
            features[i] = scaled[pixels[i]];
        }
        return new Dataset(name, features, labels, [1, images.Rows, images.Columns], numClasses);
    }

    private static (int[] Dimensions, byte[] Data) Load(string path, uint expectedMagic, string dataDescription)
    {
        using Stream stream = GzipAwareFile.OpenRead(path, out bool isCompressed);
        string where = isCompressed ? " (offset in the decompressed data)" : "";
        try
        {
            return Read(stream, path, where, expectedMagic, dataDescription);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{path}: the gzip compression is corrupt: {e.Message}", e);
        }
    }

    private static (int[] Dimensions, byte[] Data) Read(Stream stream, string path, string where, uint expectedMagic, string dataDescription)
    {
        int expectedDimensionCount = (int)(expectedMagic & 0xFF);
        int headerLength = 4 + 4 * expectedDimensionCount;
        byte[] header = new byte[headerLength];
        int headerRead = stream.ReadAtLeast(header.AsSpan(0, 4), 4, throwOnEndOfStream: false);
        if (headerRead < 4)
        {
            throw new DataFormatException(
                $"{path}: byte {HeaderStart}{where}: expected the 4-byte IDX magic number 0x{expectedMagic:X8} ({DescribeMagic(expectedMagic)}), but the file has only {headerRead} bytes.");
        }

        uint magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (magic != expectedMagic)
        {
            throw new DataFormatException(
                $"{path}: byte {HeaderStart}{where}: expected the IDX magic number 0x{expectedMagic:X8} ({DescribeMagic(expectedMagic)}), found 0x{magic:X8} ({DescribeMagic(magic)}).");
        }

        headerRead += stream.ReadAtLeast(header.AsSpan(4), headerLength - 4, throwOnEndOfStream: false);
        if (headerRead < headerLength)
        {
            throw new DataFormatException(
                $"{path}: byte {headerRead}{where}: truncated header: expected {expectedDimensionCount} dimension sizes of 4 bytes each after the magic number ({headerLength} header bytes), found {headerRead} bytes.");
        }

        var dimensions = new int[expectedDimensionCount];
        long valueCount = 1;
        for (int d = 0; d < expectedDimensionCount; d++)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4 + 4 * d));
            if (size > int.MaxValue)
            {
                throw new DataFormatException($"{path}: byte {4 + 4 * d}{where}: dimension {d} has size {size}, larger than this reader supports ({int.MaxValue}).");
            }
            dimensions[d] = (int)size;
            valueCount *= size;
            if (valueCount > Array.MaxLength)
            {
                throw new DataFormatException(
                    $"{path}: byte {4 + 4 * d}{where}: the dimensions [{string.Join(", ", dimensions[..(d + 1)])}...] need more than {Array.MaxLength} bytes of {dataDescription}, more than one array can hold.");
            }
        }

        if (stream.CanSeek && stream.Length - stream.Position < valueCount)
        {
            // Known before allocating: a corrupt header must not make us allocate gigabytes first.
            throw new DataFormatException(
                $"{path}: byte {stream.Length}{where}: truncated file: expected {valueCount} bytes of {dataDescription} for dimensions [{string.Join(", ", dimensions)}], found {stream.Length - stream.Position}.");
        }
        if (stream is LengthCheckedGzipStream gzip && valueCount > gzip.MaximumDecompressedLength)
        {
            // Compressed data cannot be measured before reading, but deflate expands at most about 1032-fold.
            throw new DataFormatException(
                $"{path}: byte {headerLength}{where}: truncated file: dimensions [{string.Join(", ", dimensions)}] need {valueCount} bytes of {dataDescription}, more than the compressed file can hold.");
        }
        var data = new byte[valueCount];
        int dataRead = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (dataRead < data.Length)
        {
            throw new DataFormatException(
                $"{path}: byte {headerLength + dataRead}{where}: truncated file: expected {data.Length} bytes of {dataDescription} for dimensions [{string.Join(", ", dimensions)}], found {dataRead}.");
        }
        if (stream.ReadByte() >= 0)
        {
            throw new DataFormatException(
                $"{path}: byte {headerLength + data.Length}{where}: expected the end of the file after {data.Length} bytes of {dataDescription} for dimensions [{string.Join(", ", dimensions)}], but there is more data; is this the right file?");
        }
        return (dimensions, data);
    }

    /// <summary>Says in words what an IDX magic number declares, to make a wrong-file error self-explanatory.</summary>
    private static string DescribeMagic(uint magic)
    {
        if ((magic & 0xFFFF0000) != 0)
        {
            return (magic >> 16) == 0x1F8B ? "gzip data that did not decompress to IDX" : "not an IDX file";
        }
        string type = ((magic >> 8) & 0xFF) switch
        {
            0x08 => "unsigned bytes",
            0x09 => "signed bytes",
            0x0B => "16-bit integers",
            0x0C => "32-bit integers",
            0x0D => "32-bit floats",
            0x0E => "64-bit floats",
            _ => "an unknown data type",
        };
        int dimensionCount = (int)(magic & 0xFF);
        string role = magic switch
        {
            ImagesMagic => ": images",
            LabelsMagic => ": labels",
            _ => "",
        };
        return $"{type}, {dimensionCount} dimension{(dimensionCount == 1 ? "" : "s")}{role}";
    }
}
