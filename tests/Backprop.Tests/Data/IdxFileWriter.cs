using System.Buffers.Binary;
using System.IO.Compression;

namespace Backprop.Tests.Data;

/// <summary>Writes IDX files byte by byte from the format's definition, as test input for the reader.</summary>
internal static class IdxFileWriter
{
    public static byte[] Encode(uint magic, int[] dimensions, byte[] data)
    {
        var bytes = new byte[4 + 4 * dimensions.Length + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, magic);
        for (int d = 0; d < dimensions.Length; d++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + 4 * d), (uint)dimensions[d]);
        }
        data.CopyTo(bytes, 4 + 4 * dimensions.Length);
        return bytes;
    }

    public static void Write(string path, byte[] contents, bool gzip)
    {
        if (!gzip)
        {
            System.IO.File.WriteAllBytes(path, contents);
            return;
        }
        using var file = System.IO.File.Create(path);
        using var compressor = new GZipStream(file, CompressionLevel.Fastest);
        compressor.Write(contents);
    }

    public static void WriteImages(string path, int count, int rows, int columns, bool gzip, Func<int, byte>? pixel = null)
    {
        var data = new byte[count * rows * columns];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = pixel is null ? (byte)(i % 256) : pixel(i);
        }
        Write(path, Encode(0x00000803, [count, rows, columns], data), gzip);
    }

    public static void WriteLabels(string path, byte[] labels, bool gzip) =>
        Write(path, Encode(0x00000801, [labels.Length], labels), gzip);
}
