namespace Backprop.Teaching.Expressions;

/// <summary>
/// Where a piece of program text sits: a 1-based line and column and a length in characters.
/// Statements never span lines, so a single line is enough to locate any node.
/// </summary>
/// <param name="Line">1-based line number.</param>
/// <param name="Column">1-based column of the first character.</param>
/// <param name="Length">Number of characters covered (0 for a position between characters).</param>
public readonly record struct SourceSpan(int Line, int Column, int Length)
{
    /// <summary>The column just past the last character of this span.</summary>
    public int EndColumn => Column + Length;

    /// <summary>The smallest span covering both <paramref name="first"/> and <paramref name="last"/> (same line).</summary>
    public static SourceSpan Cover(SourceSpan first, SourceSpan last) =>
        new(first.Line, first.Column, last.EndColumn - first.Column);

    /// <summary>"line:column", the form used in error messages.</summary>
    public override string ToString() => $"{Line}:{Column}";
}
