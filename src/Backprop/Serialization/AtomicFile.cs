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
/// A writer killed outright (SIGKILL, power loss) leaves its temporary file behind; each write first deletes the
/// temporaries of the same target that are abandoned: at least <see cref="StaleAge"/> old and not held open by a
/// live writer (a writer holds its temporary with <see cref="FileShare.None"/>, an exclusive lock that ends with
/// its process).
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
        DeleteAbandonedTemporaries(directory, Path.GetFileName(fullPath));
        string temporaryPath = Path.Combine(directory, $"{Path.GetFileName(fullPath)}{TemporaryInfix}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}");
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

    /// <summary>How old a temporary file must be before a later write may delete it as abandoned.</summary>
    public static readonly TimeSpan StaleAge = TimeSpan.FromSeconds(2);

    private const string TemporaryInfix = ".tmp-";

    private static void DeleteAbandonedTemporaries(string directory, string fileName)
    {
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(directory, fileName + TemporaryInfix + "*");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return; // cleaning up is a courtesy; the write itself reports real problems
        }
        foreach (string candidate in candidates)
        {
            string suffix = Path.GetFileName(candidate)[(fileName.Length + TemporaryInfix.Length)..];
            if (suffix.Length != 16 || !suffix.All(Uri.IsHexDigit)) continue; // not one of ours
            try
            {
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(candidate) < StaleAge) continue; // perhaps a writer that just started
                // Opening exclusively fails while a live writer holds it, so only abandoned files are deleted.
                using (new FileStream(candidate, FileMode.Open, FileAccess.ReadWrite, FileShare.None, bufferSize: 1)) { }
                File.Delete(candidate);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // In use, or gone already: leave it.
            }
        }
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
