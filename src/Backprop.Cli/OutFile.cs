using Backprop.Serialization;

namespace Backprop.Cli;

/// <summary>The file of an `--out FILE` option (a picture, a player): written whole or not at all, then named on stderr.</summary>
internal static class OutFile
{
    /// <summary>
    /// Writes <paramref name="contents"/> to a temporary name beside <paramref name="path"/> and renames it, so a failure
    /// leaves no half-written file; then says "wrote PATH" on stderr (stdout holds the command's own output).
    /// </summary>
    public static void Write(CommandContext context, string path, string contents)
    {
        AtomicFile.WriteAllText(path, contents);
        context.Error.WriteLine($"wrote {path}");
    }
}
