namespace Backprop.Teaching.Expressions;

/// <summary>One lexical token with the exact text it was read from.</summary>
/// <param name="Kind">What the token is.</param>
/// <param name="Text">The characters of the token as written ("" for end of input, "\n" for a line break).</param>
/// <param name="Span">Where the token sits in the program.</param>
/// <param name="NumberValue">The parsed value when <paramref name="Kind"/> is <see cref="TokenKind.Number"/>.</param>
internal readonly record struct Token(TokenKind Kind, string Text, SourceSpan Span, double NumberValue = 0)
{
    /// <summary>How the token is quoted in error messages ("'*'", "end of line", ...).</summary>
    public string Describe() => Kind switch
    {
        TokenKind.End => "end of input",
        TokenKind.Newline => "end of line",
        _ => $"'{Text}'",
    };
}
