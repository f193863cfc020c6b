namespace Backprop.Teaching.Expressions;

/// <summary>The one walk over an expression that lists the names it reads, shared by the resolver and the plan.</summary>
internal static class ExpressionNames
{
    /// <summary>
    /// The names an expression reads, in the order the evaluator meets them (left to right, repeats included). An
    /// explicit stack: a long chain (a + b + c + ...) is a tree as deep as it is long.
    /// </summary>
    public static IEnumerable<string> Read(ExpressionNode node)
    {
        var stack = new Stack<ExpressionNode>();
        stack.Push(node);
        while (stack.Count > 0)
        {
            switch (stack.Pop())
            {
                case NameReference reference:
                    yield return reference.Name;
                    break;
                case UnaryExpression unary:
                    stack.Push(unary.Operand);
                    break;
                case BinaryExpression binary:
                    stack.Push(binary.Right);
                    stack.Push(binary.Left);
                    break;
                case FunctionCall call:
                    for (int i = call.Arguments.Count - 1; i >= 0; i--)
                        stack.Push(call.Arguments[i]);
                    break;
            }
        }
    }
}
