using System.Globalization;

namespace Backprop.Teaching.Expressions;

/// <summary>
/// Turns program text into tokens. Comments (<c>#</c> to end of line) and spaces are dropped;
/// line breaks are kept as <see cref="TokenKind.Newline"/> because they end statements.
/// </summary>
internal sealed class Lexer
{
    private readonly ProgramText _text;
    private readonly string _source;
    private readonly List<Token> _tokens = [];
    private int _index;
    private int _line = 1;
    private int _lineStart;

    private Lexer(ProgramText text)
    {
        _text = text;
        _source = text.Source;
    }

    /// <summary>All tokens of <paramref name="text"/>, always ending with one <see cref="TokenKind.End"/>.</summary>
    /// <exception cref="ExpressionSyntaxException">An unexpected character or a malformed number.</exception>
    public static IReadOnlyList<Token> Tokenize(ProgramText text)
    {
        var lexer = new Lexer(text);
        lexer.Run();
        return lexer._tokens;
    }

    private int Column => _index - _lineStart + 1;

    private char Peek(int ahead = 0) => _index + ahead < _source.Length ? _source[_index + ahead] : '\0';

    private void Run()
    {
        while (_index < _source.Length)
        {
            char c = _source[_index];
            if (c is '\n' or '\r')
                ReadLineBreak();
            else if (c == '#')
                SkipComment();
            else if (char.IsWhiteSpace(c))
                _index++;
            else if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(Peek(1))))
                ReadNumber();
            else if (char.IsLetter(c) || c == '_')
                ReadName();
            else
                ReadSymbol(c);
        }
        _tokens.Add(new Token(TokenKind.End, "", new SourceSpan(_line, Column, 0)));
    }

    private void ReadLineBreak()
    {
        _tokens.Add(new Token(TokenKind.Newline, "\n", new SourceSpan(_line, Column, 0)));
        // "\r\n" is one line break, not two.
        _index += _source[_index] == '\r' && Peek(1) == '\n' ? 2 : 1;
        _line++;
        _lineStart = _index;
    }

    private void SkipComment()
    {
        while (_index < _source.Length && _source[_index] is not ('\n' or '\r'))
            _index++;
    }

    private void ReadNumber()
    {
        int start = _index;
        int column = Column;
        while (char.IsAsciiDigit(Peek())) _index++;
        if (Peek() == '.')
        {
            _index++;
            while (char.IsAsciiDigit(Peek())) _index++;
        }
        if (Peek() is 'e' or 'E')
        {
            int exponentStart = _index;
            _index++;
            if (Peek() is '+' or '-') _index++;
            if (!char.IsAsciiDigit(Peek()))
            {
                string partial = _source[start.._index];
                throw _text.Error($"malformed number '{partial}'", new SourceSpan(_line, column + (exponentStart - start), 1),
                    "the exponent needs digits, as in 1e-3");
            }
            while (char.IsAsciiDigit(Peek())) _index++;
        }
        string text = _source[start.._index];
        var span = new SourceSpan(_line, column, text.Length);
        double value = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (double.IsInfinity(value))
            throw _text.Error($"number '{text}' is too large", span);
        _tokens.Add(new Token(TokenKind.Number, text, span, value));
    }

    private void ReadName()
    {
        int start = _index;
        int column = Column;
        while (char.IsLetterOrDigit(Peek()) || Peek() == '_') _index++;
        string text = _source[start.._index];
        _tokens.Add(new Token(TokenKind.Name, text, new SourceSpan(_line, column, text.Length)));
    }

    private void ReadSymbol(char c)
    {
        TokenKind kind = c switch
        {
            '+' => TokenKind.Plus,
            '-' => TokenKind.Minus,
            '*' => TokenKind.Star,
            '/' => TokenKind.Slash,
            '^' => TokenKind.Caret,
            '(' => TokenKind.LeftParen,
            ')' => TokenKind.RightParen,
            ',' => TokenKind.Comma,
            '=' => TokenKind.Equals,
            ';' => TokenKind.Semicolon,
            _ => throw _text.Error($"unexpected character '{c}'", new SourceSpan(_line, Column, 1)),
        };
        _tokens.Add(new Token(kind, c.ToString(), new SourceSpan(_line, Column, 1)));
        _index++;
    }
}
