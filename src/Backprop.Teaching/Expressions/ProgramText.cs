namespace Backprop.Teaching.Expressions;

/// <summary>
/// The program text split into lines, so errors can quote the offending line
/// and "missing" errors can point just past the end of a line.
/// </summary>
internal sealed class ProgramText
{
    private readonly string[] _lines;

    public ProgramText(string source)
    {
        Source = source;
        _lines = source.ReplaceLineEndings("\n").Split('\n');
    }

    public string Source { get; }

    /// <summary>The text of a 1-based line, or "" when past the end.</summary>
    public string LineText(int line) => line >= 1 && line <= _lines.Length ? _lines[line - 1] : "";

    /// <summary>Builds the exception for a problem at <paramref name="position"/>.</summary>
    public ExpressionSyntaxException Error(string reason, SourceSpan position, string? hint = null) =>
        new(reason, position, LineText(position.Line), hint);
}
