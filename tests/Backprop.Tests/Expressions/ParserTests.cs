using Backprop.Teaching.Expressions;

namespace Backprop.Tests.Expressions;

public class ParserTests
{
    private static string PrintOnly(string source)
    {
        ProgramSyntax program = Parser.Parse(source);
        return SyntaxPrinter.Print(program);
    }

    private static ExpressionSyntaxException ParseError(string source) =>
        Assert.Throws<ExpressionSyntaxException>(() => Parser.Parse(source));

    [Theory]
    [InlineData("1 + 2 * 3", "(1 + (2 * 3))")]
    [InlineData("1 * 2 + 3", "((1 * 2) + 3)")]
    [InlineData("(1 + 2) * 3", "((1 + 2) * 3)")]
    [InlineData("a - b - c", "((a - b) - c)")]
    [InlineData("a / b / c", "((a / b) / c)")]
    [InlineData("a - b * c / d", "(a - ((b * c) / d))")]
    [InlineData("2 * x ^ 2", "(2 * (x ^ 2))")]
    public void BinaryOperatorsFollowUsualPrecedenceAndLeftAssociativity(string source, string expected) =>
        Assert.Equal(expected, PrintOnly(source));

    [Theory]
    [InlineData("a ^ b ^ c", "(a ^ (b ^ c))")]
    [InlineData("2^3^2", "(2 ^ (3 ^ 2))")]
    public void PowerIsRightAssociative(string source, string expected) =>
        Assert.Equal(expected, PrintOnly(source));

    [Theory]
    [InlineData("-x^2", "(-(x ^ 2))")]
    [InlineData("-x * y", "((-x) * y)")]
    [InlineData("--x", "(-(-x))")]
    [InlineData("+x - -y", "((+x) - (-y))")]
    [InlineData("2^-1", "(2 ^ (-1))")]
    [InlineData("x * -y", "(x * (-y))")]
    [InlineData("(-x)^2", "((-x) ^ 2)")]
    public void UnaryMinusBindsLooserThanPowerAndTighterThanProducts(string source, string expected) =>
        Assert.Equal(expected, PrintOnly(source));

    [Theory]
    [InlineData("3", 3.0)]
    [InlineData("0.5", 0.5)]
    [InlineData(".5", 0.5)]
    [InlineData("1e-3", 0.001)]
    [InlineData("2E+4", 20000.0)]
    [InlineData("1.5e2", 150.0)]
    [InlineData("7.", 7.0)]
    public void NumbersInAllSpellings(string source, double expected)
    {
        var output = Assert.IsType<OutputExpression>(Assert.Single(Parser.Parse(source).Statements));
        var literal = Assert.IsType<NumberLiteral>(output.Value);
        Assert.Equal(expected, literal.Value);
    }

    [Fact]
    public void FunctionCallsMapSpellingsToFunctions()
    {
        var output = Assert.IsType<OutputExpression>(Assert.Single(Parser.Parse("log(x) + max(a, ln(b))").Statements));
        var sum = Assert.IsType<BinaryExpression>(output.Value);
        var log = Assert.IsType<FunctionCall>(sum.Left);
        Assert.Equal(BuiltinFunction.Ln, log.Function);
        Assert.Equal("log", log.Name);
        var max = Assert.IsType<FunctionCall>(sum.Right);
        Assert.Equal(BuiltinFunction.Max, max.Function);
        Assert.Equal(2, max.Arguments.Count);
        Assert.Equal(BuiltinFunction.Ln, Assert.IsType<FunctionCall>(max.Arguments[1]).Function);
    }

    [Theory]
    [InlineData("exp(x)")]
    [InlineData("sqrt(x)")]
    [InlineData("abs(x)")]
    [InlineData("tanh(x)")]
    [InlineData("sigmoid(x)")]
    [InlineData("relu(x)")]
    [InlineData("min(x, y)")]
    [InlineData("pow(x, y)")]
    public void EveryKnownFunctionParses(string source) => Assert.Equal(source, PrintOnly(source));

    [Fact]
    public void StatementsAreSeparatedBySemicolonsAndNewlines()
    {
        ProgramSyntax program = Parser.Parse("x = 2*w + 3*b; y = 2*b + 1\nz = x*y");
        Assert.Equal(
            "x = ((2 * w) + (3 * b))\ny = ((2 * b) + 1)\nz = (x * y)",
            SyntaxPrinter.Print(program));
        Assert.All(program.Statements, statement => Assert.IsType<Assignment>(statement));
    }

    [Fact]
    public void CommentsAndBlankStatementsAreIgnored()
    {
        const string source = "# a comment line\n\n  x = 1 # trailing comment\r\n;; ;\n  y = x + 1;\n# end";
        ProgramSyntax program = Parser.Parse(source);
        Assert.Equal("x = 1\ny = (x + 1)", SyntaxPrinter.Print(program));
    }

    [Fact]
    public void ReassignmentIsRecordedAsSeparateStatements()
    {
        ProgramSyntax program = Parser.Parse("c = a; c = c + 1; c = c * c");
        var names = program.Statements.Cast<Assignment>().Select(a => a.Name);
        Assert.Equal(["c", "c", "c"], names);
        Assert.Equal("c = a\nc = (c + 1)\nc = (c * c)", SyntaxPrinter.Print(program));
    }

    [Fact]
    public void FinalBareExpressionAfterAssignmentsIsTheOutput()
    {
        ProgramSyntax program = Parser.Parse("x = a + b; (x + y) * z");
        Assert.IsType<Assignment>(program.Statements[0]);
        Assert.IsType<OutputExpression>(program.Statements[1]);
    }

    [Fact]
    public void SpansLocateNodes()
    {
        var program = Parser.Parse("x = 1\n  y = (a + b) * c");
        var y = Assert.IsType<Assignment>(program.Statements[1]);
        Assert.Equal(new SourceSpan(2, 3, 1), y.NameSpan);
        Assert.Equal(new SourceSpan(2, 3, 15), y.Span);
        var product = Assert.IsType<BinaryExpression>(y.Value);
        Assert.Equal(new SourceSpan(2, 7, 11), product.Span);
        Assert.Equal(new SourceSpan(2, 7, 7), product.Left.Span); // includes the parentheses
        Assert.Equal(new SourceSpan(2, 17, 1), product.Right.Span);
    }

    [Fact]
    public void NamesMayContainDigitsUnderscoresAndLetters()
    {
        Assert.Equal("(w_1 + (_b2 * θ))", PrintOnly("w_1 + _b2 * θ"));
    }

    // ---- resolver ----

    [Fact]
    public void ResolverFindsFreeInputsInOrderOfFirstUse()
    {
        var resolution = ProgramResolver.Resolve(Parser.Parse("x = 2*w + 3*b; y = 2*b + 1; z = x*y"));
        Assert.Equal(["w", "b"], resolution.Inputs);
        Assert.Equal(["w", "b"], resolution.FreeInputs);
        Assert.Equal("z", resolution.OutputName);
        Assert.Equal("(x * y)", SyntaxPrinter.Print(resolution.OutputExpression));
    }

    [Fact]
    public void ResolverTreatsUseBeforeAssignmentAsInput()
    {
        var resolution = ProgramResolver.Resolve(Parser.Parse("c = c + a; c = c * 2; d = c + e"));
        Assert.Equal(["c", "a", "e"], resolution.Inputs);
        Assert.Equal("d", resolution.OutputName);
    }

    [Fact]
    public void ResolverExcludesDeclaredInputsFromFreeInputs()
    {
        var resolution = ProgramResolver.Resolve(Parser.Parse("(x + y) * z"), declaredInputs: ["y"]);
        Assert.Equal(["x", "y", "z"], resolution.Inputs);
        Assert.Equal(["x", "z"], resolution.FreeInputs);
        Assert.Null(resolution.OutputName);
        Assert.IsType<OutputExpression>(resolution.OutputStatement);
    }

    [Fact]
    public void ResolverOutputIsLastAssignmentEvenIfNameWasAssignedBefore()
    {
        var resolution = ProgramResolver.Resolve(Parser.Parse("a = 1\nb = a\na = b + 1"));
        Assert.Equal("a", resolution.OutputName);
        Assert.Empty(resolution.Inputs);
    }

    // ---- errors: exact positions and rendering ----

    [Fact]
    public void MissingCloseParenthesisPointsJustPastTheLine()
    {
        var error = ParseError("z = (x + y * 3");
        Assert.Equal("expected ')' at 1:15", error.Message);
        Assert.Equal((1, 15), (error.Line, error.Column));
        Assert.Equal("error: expected ')' at 1:15\n  z = (x + y * 3\n                ^", error.Render());
    }

    [Fact]
    public void MissingCloseParenthesisBeforeAnotherToken()
    {
        var error = ParseError("z = (x y)");
        Assert.Equal("expected ')' at 1:8; found 'y'", error.Message);
        Assert.Equal("error: expected ')' at 1:8; found 'y'\n  z = (x y)\n         ^", error.Render());
    }

    [Fact]
    public void MissingCloseParenthesisIgnoresTrailingCommentAndFollowingLines()
    {
        var error = ParseError("a = 1\nz = (x + 1  # oops\nw = 2");
        Assert.Equal((2, 11), (error.Line, error.Column));
        Assert.Equal("z = (x + 1  # oops", error.SourceLine);
    }

    [Fact]
    public void UnexpectedCharacter()
    {
        var error = ParseError("x = 3 $ 4");
        Assert.Equal("unexpected character '$' at 1:7", error.Message);
        Assert.Equal("error: unexpected character '$' at 1:7\n  x = 3 $ 4\n        ^", error.Render());
    }

    [Fact]
    public void UnexpectedEndOfInput()
    {
        var error = ParseError("x = 1\ny = 2 *");
        Assert.Equal("unexpected end of input at 2:8; expected an operand", error.Message);
        Assert.Equal("error: unexpected end of input at 2:8; expected an operand\n  y = 2 *\n         ^", error.Render());
    }

    [Fact]
    public void MissingOperandBetweenOperators()
    {
        var error = ParseError("y = 2 * * 3");
        Assert.Equal("expected an operand at 1:9; found '*'", error.Message);
        Assert.Equal("error: expected an operand at 1:9; found '*'\n  y = 2 * * 3\n          ^", error.Render());
    }

    [Fact]
    public void MissingOperandAtEndOfLine()
    {
        var error = ParseError("y = 2 +\nz = y");
        Assert.Equal("expected an operand at 1:8; found end of line", error.Message);
    }

    [Fact]
    public void MissingOperandBeforeSemicolon()
    {
        var error = ParseError("y = ; z = 1");
        Assert.Equal("expected an operand at 1:5; found ';'", error.Message);
    }

    [Fact]
    public void EqualsWithoutNameOnItsLeft()
    {
        var error = ParseError("2 = x");
        Assert.Equal("left side of '=' must be a name at 1:1; assign to a variable, as in 'y = ...'", error.Message);
        Assert.Equal((1, 1), (error.Line, error.Column));
        Assert.EndsWith("\n  2 = x\n  ^", error.Render());
    }

    [Fact]
    public void EqualsWithNothingOnItsLeft()
    {
        var error = ParseError("x = 1; = 2");
        Assert.Equal("left side of '=' must be a name at 1:8; nothing is written before '='", error.Message);
    }

    [Fact]
    public void ChainedEqualsIsRejected()
    {
        var error = ParseError("x = y = 1");
        Assert.Equal((1, 5), (error.Line, error.Column));
        Assert.StartsWith("left side of '=' must be a name", error.Message);
    }

    [Fact]
    public void UnknownFunctionListsTheKnownOnes()
    {
        var error = ParseError("y = foo(x)");
        Assert.Equal(
            "unknown function 'foo' at 1:5; known: ln, log, exp, sqrt, abs, tanh, sigmoid, relu, max, min, pow",
            error.Message);
        Assert.EndsWith("\n  y = foo(x)\n      ^", error.Render());
    }

    [Theory]
    [InlineData("y = max(x)", "max takes 2 arguments, got 1 at 1:5")]
    [InlineData("y = 1 + pow(a, b, c)", "pow takes 2 arguments, got 3 at 1:9")]
    [InlineData("y = exp()", "exp takes 1 argument, got 0 at 1:5")]
    [InlineData("y = ln(a, b)", "ln takes 1 argument, got 2 at 1:5")]
    public void WrongArgumentCount(string source, string expected) =>
        Assert.Equal(expected, ParseError(source).Message);

    [Fact]
    public void UnexpectedTokenAfterCompleteExpression()
    {
        var error = ParseError("y = 2 x");
        Assert.Equal("unexpected 'x' at 1:7; expected an operator, ';' or end of line", error.Message);
        Assert.Equal("unexpected ')' at 1:8; expected an operator, ';' or end of line", ParseError("y = (1))").Message);
    }

    [Fact]
    public void MalformedExponent()
    {
        var error = ParseError("y = 1e+");
        Assert.Equal((1, 6), (error.Line, error.Column));
        Assert.StartsWith("malformed number '1e+' at 1:6", error.Message);
    }

    [Fact]
    public void BareExpressionMustBeLast()
    {
        var error = ParseError("x + 1; y = 2");
        Assert.Equal("only the last statement may be a bare expression at 1:1; assign it to a name, as in 'y = ...'", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  # nothing here\n ; \n")]
    public void EmptyProgramIsAnError(string source) =>
        Assert.StartsWith("empty program at 1:1", ParseError(source).Message);

    [Fact]
    public void RenderKeepsTabsSoTheCaretLinesUp()
    {
        var error = ParseError("\ty = 2 $");
        Assert.Equal((1, 8), (error.Line, error.Column));
        Assert.EndsWith("\n  \ty = 2 $\n  \t      ^", error.Render());
    }

    [Fact]
    public void ErrorOnLaterLineQuotesThatLine()
    {
        var error = ParseError("a = 1\r\nb = a +\r\nc = (b");
        Assert.Equal("expected an operand at 2:8; found end of line", error.Message);
        Assert.Equal("b = a +", error.SourceLine);
    }
}
