namespace Backprop.Teaching.Expressions;

// The syntax tree of a program. Plain immutable records: the parser builds them, the resolver and
// the evaluator read them. Every node knows its source span so later stages can report errors in place.

/// <summary>Binary operators, in the order of the grammar's precedence levels (lowest first).</summary>
public enum BinaryOperator
{
    /// <summary><c>a + b</c></summary>
    Add,
    /// <summary><c>a - b</c></summary>
    Subtract,
    /// <summary><c>a * b</c></summary>
    Multiply,
    /// <summary><c>a / b</c></summary>
    Divide,
    /// <summary><c>a ^ b</c> (right-associative, binds tighter than unary minus).</summary>
    Power,
}

/// <summary>Prefix operators.</summary>
public enum UnaryOperator
{
    /// <summary><c>-a</c></summary>
    Negate,
    /// <summary><c>+a</c> (no effect on the value; kept so the tree mirrors the text).</summary>
    Plus,
}

/// <summary>Any expression.</summary>
/// <param name="Span">The text the expression was read from.</param>
public abstract record ExpressionNode(SourceSpan Span);

/// <summary>A numeric literal such as <c>3</c>, <c>.5</c> or <c>1e-3</c>.</summary>
public sealed record NumberLiteral(double Value, SourceSpan Span) : ExpressionNode(Span);

/// <summary>A use of a variable: an input or an earlier assignment.</summary>
public sealed record NameReference(string Name, SourceSpan Span) : ExpressionNode(Span);

/// <summary>A prefix operator applied to an operand.</summary>
public sealed record UnaryExpression(UnaryOperator Operator, ExpressionNode Operand, SourceSpan Span)
    : ExpressionNode(Span);

/// <summary>A binary operator applied to two operands.</summary>
public sealed record BinaryExpression(BinaryOperator Operator, ExpressionNode Left, ExpressionNode Right, SourceSpan Span)
    : ExpressionNode(Span);

/// <summary>A call of a built-in function; the argument count has already been checked against its arity.</summary>
/// <param name="Function">Which function (<c>log</c> and <c>ln</c> both give <see cref="BuiltinFunction.Ln"/>).</param>
/// <param name="Name">The spelling used in the program, for messages and pictures.</param>
/// <param name="Arguments">The arguments in order.</param>
/// <param name="Span">From the function name to the closing parenthesis.</param>
public sealed record FunctionCall(BuiltinFunction Function, string Name, IReadOnlyList<ExpressionNode> Arguments, SourceSpan Span)
    : ExpressionNode(Span);

/// <summary>One statement of a program.</summary>
/// <param name="Span">The text of the whole statement (without the separator).</param>
public abstract record Statement(SourceSpan Span);

/// <summary><c>name = value</c>. A name may be assigned more than once; each assignment makes a new value.</summary>
/// <param name="Name">The assigned variable.</param>
/// <param name="NameSpan">Where the name is written.</param>
/// <param name="Value">The right-hand side.</param>
/// <param name="Span">The whole statement.</param>
public sealed record Assignment(string Name, SourceSpan NameSpan, ExpressionNode Value, SourceSpan Span) : Statement(Span);

/// <summary>A bare expression; only allowed as the last statement, where it is the program's unnamed output.</summary>
public sealed record OutputExpression(ExpressionNode Value, SourceSpan Span) : Statement(Span);

/// <summary>A parsed program: its statements in source order (blank statements dropped), and the text they came from.</summary>
/// <param name="Source">The program text as given to the parser.</param>
/// <param name="Statements">At least one statement; only the last may be an <see cref="OutputExpression"/>.</param>
public sealed record ProgramSyntax(string Source, IReadOnlyList<Statement> Statements)
{
    /// <summary>The source on one line, as headings show it: each line trimmed, blank ones dropped, joined with "; ".</summary>
    public string OneLine =>
        string.Join("; ", Source.ReplaceLineEndings("\n").Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0));
}
