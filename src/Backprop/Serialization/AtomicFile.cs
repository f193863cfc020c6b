using System.Security.Cryptography;
using System.Text;

namespace Backprop.Serialization;

/// <summary>
/// Writes files so that readers (and a crash) see either the old complete file or the new complete file, never a
/// partial one: the contents go to a temporary file in the same directory, are flushed to disk, and the temporary
/// file is then renamed over the target. Use it for every file a run produces (checkpoints, metrics, reports).
/// </summary>
/// <remarks>
/// The temporary file is named "{file name}.tmp-{16 random hex digits}" and lives next to the target, because a
/// rename is only atomic within one file system. If writing fails, the temporary file is deleted and the target is
/// left as it was. Missing parent directories are created. The rename is atomic on Linux and macOS (rename(2)) and
/// on Windows (MoveFileEx with replace); the directory entry itself is not fsynced, which .NET offers no API for.
/// </remarks>
public static class AtomicFile
{
    /// <summary>
    /// Writes <paramref name="path"/> with the bytes <paramref name="write"/> puts into the given stream. The callback
    /// must not dispose the stream (wrap writers with <c>leaveOpen: true</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The callback closed the stream.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"'{path}' is not a file path.", nameof(path));
        Directory.CreateDirectory(directory);
        string temporaryPath = Path.Combine(directory, $"{Path.GetFileName(fullPath)}.tmp-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}");
        try
        {
            using (var stream = new FileStream(temporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                if (!stream.CanWrite)
                {
                    throw new InvalidOperationException($"Writing {path}: the callback closed the stream, so it could not be flushed to disk; create writers with leaveOpen: true.");
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporaryPath, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temporaryPath);
            throw;
        }
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlyMemory<byte> bytes) =>
        Write(path, stream => stream.Write(bytes.Span));

    /// <summary>Writes <paramref name="contents"/> to <paramref name="path"/> atomically, as UTF-8 without a byte-order mark.</summary>
    public static void WriteAllText(string path, string contents)
    {
        ArgumentNullException.ThrowIfNull(contents);
        WriteAllBytes(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(contents));
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original failure matters more than a leftover temporary file; its name shows what it is.
        }
    }
}
