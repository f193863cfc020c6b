using System.Globalization;
using System.Text;

namespace Backprop.Teaching.Expressions;

/// <summary>
/// Writes syntax back as text with every operation parenthesised, e.g. <c>-x^2</c> becomes <c>(-(x ^ 2))</c>.
/// Shows exactly how a program was understood; handy in explanations and tests.
/// </summary>
public static class SyntaxPrinter
{
    /// <summary>The fully parenthesised form of an expression.</summary>
    public static string Print(ExpressionNode node)
    {
        var builder = new StringBuilder();
        Append(builder, node);
        return builder.ToString();
    }

    /// <summary>One statement per line, e.g. <c>x = ((2 * w) + b)</c>; a bare expression is printed alone.</summary>
    public static string Print(ProgramSyntax program)
    {
        var lines = program.Statements.Select(statement => statement switch
        {
            Assignment assignment => $"{assignment.Name} = {Print(assignment.Value)}",
            OutputExpression bare => Print(bare.Value),
            _ => throw new InvalidOperationException($"Unknown statement type {statement.GetType().Name}."),
        });
        return string.Join("\n", lines);
    }

    // Iterative, with a stack of pieces still to write (text or a node): a chain such as a + b + c + ... is a tree as
    // deep as it is long.
    private static void Append(StringBuilder builder, ExpressionNode root)
    {
        var pending = new Stack<object>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case string text:
                    builder.Append(text);
                    break;
                case NumberLiteral number:
                    builder.Append(number.Value.ToString("R", CultureInfo.InvariantCulture));
                    break;
                case NameReference reference:
                    builder.Append(reference.Name);
                    break;
                case UnaryExpression unary:
                    builder.Append('(').Append(unary.Operator == UnaryOperator.Negate ? '-' : '+');
                    pending.Push(")");
                    pending.Push(unary.Operand);
                    break;
                case BinaryExpression binary:
                    builder.Append('(');
                    pending.Push(")");
                    pending.Push(binary.Right);
                    pending.Push($" {Symbol(binary.Operator)} ");
                    pending.Push(binary.Left);
                    break;
                case FunctionCall call:
                    builder.Append(call.Name).Append('(');
                    pending.Push(")");
                    for (int i = call.Arguments.Count - 1; i >= 0; i--)
                    {
                        pending.Push(call.Arguments[i]);
                        if (i > 0) pending.Push(", ");
                    }
                    break;
                case var node:
                    throw new InvalidOperationException($"Unknown expression type {node.GetType().Name}.");
            }
        }
    }

    /// <summary>The symbol of a binary operator: + - * / ^.</summary>
    public static char Symbol(BinaryOperator op) => op switch
    {
        BinaryOperator.Add => '+',
        BinaryOperator.Subtract => '-',
        BinaryOperator.Multiply => '*',
        BinaryOperator.Divide => '/',
        BinaryOperator.Power => '^',
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };
}
