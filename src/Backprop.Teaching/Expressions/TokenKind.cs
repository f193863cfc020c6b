namespace Backprop.Teaching.Expressions;

/// <summary>The kinds of token the <see cref="Lexer"/> produces.</summary>
internal enum TokenKind
{
    Number,
    Name,
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    LeftParen,
    RightParen,
    Comma,
    Equals,
    /// <summary>A ';' written by the user.</summary>
    Semicolon,
    /// <summary>A line break; ends a statement just like ';'.</summary>
    Newline,
    End,
}
