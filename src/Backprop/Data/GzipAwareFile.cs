namespace Backprop.Data;

/// <summary>
/// Opens data files that may or may not be gzip-compressed. Compression is recognised by the gzip magic bytes
/// 0x1f 0x8b at the start of the contents, not by the file name, because downloaded files are often renamed
/// (a ".gz" that was already unpacked, or compressed data without the extension).
/// </summary>
internal static class GzipAwareFile
{
    /// <summary>Opens <paramref name="path"/> for reading, decompressing if needed.</summary>
    /// <exception cref="DataFormatException">The file does not exist or cannot be opened.</exception>
    public static Stream OpenRead(string path, out bool isCompressed)
    {
        ArgumentNullException.ThrowIfNull(path);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DataFormatException($"{path}: file not found.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{path}: cannot open the file: {e.Message}", e);
        }
        return Decompressing(file, out isCompressed);
    }

    /// <summary>
    /// Returns a stream of the decompressed contents of <paramref name="source"/> if it starts with the gzip magic,
    /// or <paramref name="source"/> itself positioned at its start. Takes ownership of <paramref name="source"/>.
    /// A compressed stream that ends early throws <see cref="InvalidDataException"/> when its end is read.
    /// </summary>
    public static Stream Decompressing(Stream source, out bool isCompressed)
    {
        if (!source.CanSeek)
        {
            // Peeking at the magic needs to rewind; a small copy is simpler than a push-back stream.
            var copy = new MemoryStream();
            using (source)
            {
                source.CopyTo(copy);
            }
            copy.Position = 0;
            source = copy;
        }

        long start = source.Position;
        Span<byte> magic = stackalloc byte[2];
        int read = source.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        source.Position = start;
        isCompressed = read == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        return isCompressed ? new LengthCheckedGzipStream(source) : source;
    }
}
