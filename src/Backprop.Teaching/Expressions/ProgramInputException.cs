namespace Backprop.Teaching.Expressions;

/// <summary>
/// The values given to a program do not fit it: an input has no value, a value names something that is not an input,
/// or the requested output does not exist. The message names the culprits.
/// </summary>
public sealed class ProgramInputException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">One line naming what is wrong.</param>
    /// <param name="missingInputs">The inputs that need a value, if that is the problem.</param>
    public ProgramInputException(string message, IReadOnlyList<string>? missingInputs = null) : base(message)
    {
        MissingInputs = missingInputs ?? [];
    }

    /// <summary>Inputs the program reads that were given no value (empty for other problems).</summary>
    public IReadOnlyList<string> MissingInputs { get; }
}
