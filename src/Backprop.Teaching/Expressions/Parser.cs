namespace Backprop.Teaching.Expressions;

/// <summary>
/// Reads program text into a <see cref="ProgramSyntax"/> by recursive descent.
/// <para>Grammar (lowest precedence first):</para>
/// <code>
/// program    := statement ((';' | newline) statement)*
/// statement  := empty | name '=' expression | expression
/// expression := term (('+' | '-') term)*
/// term       := unary (('*' | '/') unary)*
/// unary      := ('-' | '+') unary | power
/// power      := primary ('^' unary)?          // right-associative; -x^2 is -(x^2); 2^-1 is allowed
/// primary    := number | name | name '(' arguments ')' | '(' expression ')'
/// </code>
/// Nesting (parentheses, signs, exponents and calls inside one another) is limited to <see cref="MaxNestingDepth"/>
/// levels, so that no text can exhaust the stack; long chains such as <c>a + b + c + ...</c> are read by loops and
/// are not limited.
/// </summary>
public sealed class Parser
{
    private readonly ProgramText _text;
    private readonly IReadOnlyList<Token> _tokens;
    private int _position;
    private int _depth;

    /// <summary>The deepest nesting of parentheses, signs, exponents and calls accepted.</summary>
    public const int MaxNestingDepth = 500;

    private Parser(ProgramText text)
    {
        _text = text;
        _tokens = Lexer.Tokenize(text);
    }

    /// <summary>Parses a whole program.</summary>
    /// <param name="source">Statements separated by newlines or ';', e.g. <c>x = 2*w + 3*b; z = x*x</c>.</param>
    /// <returns>The statements in order; at least one.</returns>
    /// <exception cref="ExpressionSyntaxException">The text is not a valid program; the exception locates the problem.</exception>
    public static ProgramSyntax Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var parser = new Parser(new ProgramText(source));
        return new ProgramSyntax(source, parser.ParseStatements());
    }

    private Token Current => _tokens[_position];

    private Token Next => _tokens[Math.Min(_position + 1, _tokens.Count - 1)];

    private Token Advance() => _tokens[_position++];

    private static bool EndsStatement(Token token) =>
        token.Kind is TokenKind.Semicolon or TokenKind.Newline or TokenKind.End;

    private List<Statement> ParseStatements()
    {
        var statements = new List<Statement>();
        while (true)
        {
            if (!EndsStatement(Current))
            {
                if (statements.Count > 0 && statements[^1] is OutputExpression earlier)
                    throw _text.Error("only the last statement may be a bare expression", earlier.Span,
                        "assign it to a name, as in 'y = ...'");
                statements.Add(ParseStatement());
            }
            if (Current.Kind == TokenKind.End)
                break;
            if (!EndsStatement(Current))
                throw _text.Error($"unexpected {Current.Describe()}", Current.Span, "expected an operator, ';' or end of line");
            Advance();
        }
        if (statements.Count == 0)
            throw _text.Error("empty program", new SourceSpan(1, 1, 0), "expected an expression or an assignment such as 'z = x * y'");
        return statements;
    }

    private Statement ParseStatement()
    {
        if (Current.Kind == TokenKind.Name && Next.Kind == TokenKind.Equals)
        {
            Token name = Advance();
            Advance(); // '='
            ExpressionNode value = ParseExpression();
            RejectStrayEquals(value);
            return new Assignment(name.Text, name.Span, value, SourceSpan.Cover(name.Span, value.Span));
        }
        if (Current.Kind == TokenKind.Equals)
            throw _text.Error("left side of '=' must be a name", Current.Span, "nothing is written before '='");
        ExpressionNode expression = ParseExpression();
        RejectStrayEquals(expression);
        return new OutputExpression(expression, expression.Span);
    }

    // "2 = x" or "x = y = 1": an '=' after a complete expression means its left side is not a plain name.
    private void RejectStrayEquals(ExpressionNode leftSide)
    {
        if (Current.Kind == TokenKind.Equals)
            throw _text.Error("left side of '=' must be a name", leftSide.Span, "assign to a variable, as in 'y = ...'");
    }

    private ExpressionNode ParseExpression()
    {
        ExpressionNode left = ParseTerm();
        while (Current.Kind is TokenKind.Plus or TokenKind.Minus)
        {
            var op = Advance().Kind == TokenKind.Plus ? BinaryOperator.Add : BinaryOperator.Subtract;
            ExpressionNode right = ParseTerm();
            left = new BinaryExpression(op, left, right, SourceSpan.Cover(left.Span, right.Span));
        }
        return left;
    }

    private ExpressionNode ParseTerm()
    {
        ExpressionNode left = ParseUnary();
        while (Current.Kind is TokenKind.Star or TokenKind.Slash)
        {
            var op = Advance().Kind == TokenKind.Star ? BinaryOperator.Multiply : BinaryOperator.Divide;
            ExpressionNode right = ParseUnary();
            left = new BinaryExpression(op, left, right, SourceSpan.Cover(left.Span, right.Span));
        }
        return left;
    }

    private ExpressionNode ParseUnary()
    {
        if (Current.Kind is TokenKind.Minus or TokenKind.Plus)
        {
            Token sign = Advance();
            Enter(sign);
            ExpressionNode operand = ParseUnary();
            _depth--;
            var op = sign.Kind == TokenKind.Minus ? UnaryOperator.Negate : UnaryOperator.Plus;
            return new UnaryExpression(op, operand, SourceSpan.Cover(sign.Span, operand.Span));
        }
        return ParsePower();
    }

    private ExpressionNode ParsePower()
    {
        ExpressionNode bottom = ParsePrimary();
        if (Current.Kind != TokenKind.Caret)
            return bottom;
        Enter(Advance());
        // The exponent goes back through unary, which recurses into power: that makes '^' right-associative
        // and allows a signed exponent such as 2^-1.
        ExpressionNode exponent = ParseUnary();
        _depth--;
        return new BinaryExpression(BinaryOperator.Power, bottom, exponent, SourceSpan.Cover(bottom.Span, exponent.Span));
    }

    private ExpressionNode ParsePrimary()
    {
        Token token = Current;
        switch (token.Kind)
        {
            case TokenKind.Number:
                Advance();
                return new NumberLiteral(token.NumberValue, token.Span);
            case TokenKind.Name when Next.Kind == TokenKind.LeftParen:
                return ParseCall();
            case TokenKind.Name:
                Advance();
                return new NameReference(token.Text, token.Span);
            case TokenKind.LeftParen:
                Enter(Advance());
                ExpressionNode inner = ParseExpression();
                _depth--;
                Token close = Expect(TokenKind.RightParen, "')'");
                // The span includes the parentheses so a caret under the node points at the '('.
                return inner with { Span = SourceSpan.Cover(token.Span, close.Span) };
            default:
                throw MissingOperand();
        }
    }

    private FunctionCall ParseCall()
    {
        Token name = Advance();
        if (!BuiltinFunctions.TryLookup(name.Text, out BuiltinFunction function))
            throw _text.Error($"unknown function '{name.Text}'", name.Span, "known: " + string.Join(", ", BuiltinFunctions.KnownNames));
        Enter(Advance()); // '('
        var arguments = new List<ExpressionNode>();
        if (Current.Kind != TokenKind.RightParen)
        {
            arguments.Add(ParseExpression());
            while (Current.Kind == TokenKind.Comma)
            {
                Advance();
                arguments.Add(ParseExpression());
            }
        }
        Token close = Expect(TokenKind.RightParen, arguments.Count > 0 ? "',' or ')'" : "')'");
        _depth--;
        int arity = BuiltinFunctions.Arity(function);
        if (arguments.Count != arity)
        {
            string noun = arity == 1 ? "argument" : "arguments";
            throw _text.Error($"{name.Text} takes {arity} {noun}, got {arguments.Count}", name.Span);
        }
        return new FunctionCall(function, name.Text, arguments, SourceSpan.Cover(name.Span, close.Span));
    }

    // Every level of nesting costs stack frames here and in everything that walks the tree; refuse past the limit.
    private void Enter(Token opening)
    {
        if (++_depth > MaxNestingDepth)
            throw _text.Error($"expression nested too deeply: more than {MaxNestingDepth} levels of parentheses, signs, exponents or calls",
                opening.Span, "split it into several statements, as in 't = ...' then 'y = t ...'");
    }

    private Token Expect(TokenKind kind, string description)
    {
        if (Current.Kind == kind)
            return Advance();
        if (Current.Kind is TokenKind.End or TokenKind.Newline)
            throw _text.Error($"expected {description}", EndOfPreviousToken());
        throw _text.Error($"expected {description}", Current.Span, $"found {Current.Describe()}");
    }

    private ExpressionSyntaxException MissingOperand()
    {
        Token token = Current;
        return token.Kind switch
        {
            TokenKind.End => _text.Error("unexpected end of input", EndOfPreviousToken(), "expected an operand"),
            TokenKind.Newline => _text.Error("expected an operand", EndOfPreviousToken(), "found end of line"),
            _ => _text.Error("expected an operand", token.Span, $"found {token.Describe()}"),
        };
    }

    // Something is missing at the end of a line: point just past the last token written (ignoring spaces and
    // comments), which is where the reader would have to type the missing piece.
    private SourceSpan EndOfPreviousToken()
    {
        if (_position == 0 || _tokens[_position - 1].Kind is TokenKind.Newline or TokenKind.Semicolon)
            return Current.Span with { Length = 0 };
        SourceSpan previous = _tokens[_position - 1].Span;
        return new SourceSpan(previous.Line, previous.EndColumn, 0);
    }
}
