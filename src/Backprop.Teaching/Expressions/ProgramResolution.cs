namespace Backprop.Teaching.Expressions;

/// <summary>What <see cref="ProgramResolver"/> learned about a program's names and its output.</summary>
/// <param name="Program">The program that was resolved.</param>
/// <param name="Inputs">
/// Every name read before any assignment to it, in order of first use, declared or not.
/// In <c>c = c + 1</c> the <c>c</c> on the right is an input.
/// </param>
/// <param name="FreeInputs">The subset of <paramref name="Inputs"/> that is not among the declared inputs, in the same order.</param>
/// <param name="OutputName">The name of the output (the last assigned name), or null when the program ends in a bare expression.</param>
/// <param name="OutputStatement">The statement that produces the output: the last assignment or the final bare expression.</param>
public sealed record ProgramResolution(
    ProgramSyntax Program,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> FreeInputs,
    string? OutputName,
    Statement OutputStatement)
{
    /// <summary>The expression whose value is the program's result.</summary>
    public ExpressionNode OutputExpression => OutputStatement switch
    {
        Assignment assignment => assignment.Value,
        OutputExpression bare => bare.Value,
        _ => throw new InvalidOperationException($"Unknown statement type {OutputStatement.GetType().Name}."),
    };
}
