namespace Backprop.Teaching.Expressions;

/// <summary>
/// A value left the domain of an operator while a program was evaluated: ln of a non-positive number, sqrt of a
/// negative, division by zero, or a result that is not finite. The message names the node and the offending value.
/// </summary>
public sealed class ProgramDomainException : ArithmeticException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="node">The node whose operator could not be applied.</param>
    /// <param name="reason">What went wrong, e.g. "ln needs a positive argument, got B = -4".</param>
    /// <param name="offendingValue">The value that caused it (the operand, or the non-finite result).</param>
    public ProgramDomainException(ProgramNode node, string reason, double offendingValue)
        : base($"{reason}, in {node.Definition} at {node.Span}")
    {
        Node = node;
        Reason = reason;
        OffendingValue = offendingValue;
    }

    /// <summary>The node whose operator failed.</summary>
    public ProgramNode Node { get; }

    /// <summary>What went wrong, without the location.</summary>
    public string Reason { get; }

    /// <summary>The operand or result outside the domain.</summary>
    public double OffendingValue { get; }
}
