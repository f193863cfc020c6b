using System.Buffers.Binary;
using System.IO.Compression;
using Backprop.Teaching.Reports;

namespace Backprop.Tests.Reports;

public class PngEncoderTests
{
    [Fact]
    public void The_file_is_a_valid_png_whose_pixels_read_back()
    {
        // 3×2 pixels, each a different colour.
        byte[] rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90];
        byte[] png = PngEncoder.Encode(3, 2, rgb);

        Assert.Equal([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], png[..8]);
        var chunks = Chunks(png);
        Assert.Equal(["IHDR", "IDAT", "IEND"], chunks.Select(c => c.Type));
        var header = chunks[0].Data;
        Assert.Equal(3, BinaryPrimitives.ReadInt32BigEndian(header));
        Assert.Equal(2, BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4)));
        Assert.Equal([8, 2, 0, 0, 0], header[8..]);
        // CRC-32s computed independently (Python's zlib.crc32 over the chunk type and data).
        Assert.Equal(0x1216F14Du, chunks[0].Crc);
        Assert.Equal(0xAE426082u, chunks[2].Crc);

        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(new MemoryStream(chunks[1].Data), CompressionMode.Decompress)) zlib.CopyTo(inflated);
        // Each row: filter byte 0, then its pixels unchanged.
        Assert.Equal([0, .. rgb[..9], 0, .. rgb[9..]], inflated.ToArray());
    }

    [Fact]
    public void Pixels_that_do_not_fill_the_size_are_refused()
    {
        Assert.Throws<ArgumentException>(() => PngEncoder.Encode(2, 2, new byte[11]));
    }

    private static List<(string Type, byte[] Data, uint Crc)> Chunks(byte[] png)
    {
        var chunks = new List<(string, byte[], uint)>();
        for (int at = 8; at < png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var typeAndData = png.AsSpan(at + 4, 4 + length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length));
            chunks.Add((System.Text.Encoding.ASCII.GetString(typeAndData[..4]), typeAndData[4..].ToArray(), crc));
            at += 12 + length;
        }
        return chunks;
    }
}
