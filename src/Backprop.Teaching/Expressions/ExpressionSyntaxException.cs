using System.Text;

namespace Backprop.Teaching.Expressions;

/// <summary>
/// A program could not be read. Carries the position of the problem and the offending line,
/// so a command-line tool can show the line with a caret under the culprit (see <see cref="Render"/>).
/// </summary>
public sealed class ExpressionSyntaxException : Exception
{
    /// <summary>Creates the exception; <paramref name="reason"/> is the message without the position.</summary>
    /// <param name="reason">What went wrong, e.g. "expected ')'".</param>
    /// <param name="position">Where it went wrong; only line and column are used in the message.</param>
    /// <param name="sourceLine">The full text of the offending line (without its line break).</param>
    /// <param name="hint">Optional extra sentence appended after the position, e.g. "found '*'".</param>
    public ExpressionSyntaxException(string reason, SourceSpan position, string sourceLine, string? hint = null)
        : base(hint is null ? $"{reason} at {position}" : $"{reason} at {position}; {hint}")
    {
        Reason = reason;
        Hint = hint;
        Line = position.Line;
        Column = position.Column;
        SourceLine = sourceLine;
    }

    /// <summary>What went wrong, without position or hint, e.g. "expected ')'".</summary>
    public string Reason { get; }

    /// <summary>Extra information shown after the position (what was found, the known names, ...), or null.</summary>
    public string? Hint { get; }

    /// <summary>1-based line of the problem.</summary>
    public int Line { get; }

    /// <summary>1-based column of the problem; may be one past the end of the line for "missing" errors.</summary>
    public int Column { get; }

    /// <summary>The text of the offending line.</summary>
    public string SourceLine { get; }

    /// <summary>
    /// The message, the offending line and a caret under the column, as three lines:
    /// <code>
    /// error: expected ')' at 1:15
    ///   z = (x + y * 3
    ///                 ^
    /// </code>
    /// </summary>
    public string Render()
    {
        const string indent = "  ";
        var caretLine = new StringBuilder(indent);
        // Tabs are copied rather than replaced by a space, so the caret lines up however the terminal expands them.
        for (int i = 0; i < Column - 1; i++)
            caretLine.Append(i < SourceLine.Length && SourceLine[i] == '\t' ? '\t' : ' ');
        caretLine.Append('^');
        return $"error: {Message}\n{indent}{SourceLine}\n{caretLine}";
    }
}
