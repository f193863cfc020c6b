using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Backprop.Teaching.Reports;

/// <summary>
/// Writes 8-bit RGB pixels as a PNG file (ISO/IEC 15948): the signature, an IHDR chunk, one zlib-compressed IDAT
/// chunk of unfiltered rows, and IEND. Enough for the report's small pictures, with no imaging library.
/// </summary>
internal static class PngEncoder
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>The PNG bytes of a <paramref name="width"/>×<paramref name="height"/> image; <paramref name="rgb"/> holds 3 bytes per pixel, row by row.</summary>
    public static byte[] Encode(int width, int height, ReadOnlySpan<byte> rgb)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (rgb.Length != width * height * 3)
            throw new ArgumentException($"PNG: {rgb.Length} bytes are not {width}×{height} RGB pixels ({width * height * 3} bytes)");
        using var png = new MemoryStream();
        png.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], (uint)height);
        header[8] = 8;  // bits per channel
        header[9] = 2;  // colour type: RGB
        header[10] = 0; // deflate
        header[11] = 0; // adaptive filtering (every row uses filter 0, none)
        header[12] = 0; // not interlaced
        WriteChunk(png, "IHDR", header);

        using (var pixels = new MemoryStream())
        {
            using (var zlib = new ZLibStream(pixels, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                int stride = width * 3;
                for (int y = 0; y < height; y++)
                {
                    zlib.WriteByte(0); // the row's filter type: none
                    zlib.Write(rgb.Slice(y * stride, stride));
                }
            }
            WriteChunk(png, "IDAT", pixels.ToArray());
        }
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    // A chunk: big-endian length, the 4-letter type, the data, and the CRC-32 of type and data.
    private static void WriteChunk(Stream png, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        png.Write(word);
        byte[] typeBytes = Encoding.ASCII.GetBytes(type);
        png.Write(typeBytes);
        png.Write(data);
        uint crc = Crc32(Crc32(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        png.Write(word);
    }

    private static uint Crc32(uint crc, ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    // The CRC of PNG (and zip): polynomial 0xEDB88320, reflected.
    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
