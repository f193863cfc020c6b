namespace Backprop.Teaching.Expressions;

/// <summary>The checks shared by <see cref="Solver"/> and <see cref="Minimizer"/> on the names of the inputs to change.</summary>
internal static class VariedInputs
{
    /// <exception cref="ProgramInputException">No names, a name the output does not read, or a name given twice.</exception>
    public static void Check(ProgramSyntax program, string? outputName, IReadOnlyList<string> vary)
    {
        if (vary.Count == 0)
            throw new ProgramInputException("nothing to vary: name at least one input");
        IReadOnlyList<string> inputs = ProgramEvaluator.RequiredInputs(program, outputName);
        foreach (string name in vary)
        {
            if (!inputs.Contains(name))
                throw new ProgramInputException($"cannot vary '{name}': the output does not read an input of that name; its inputs are {string.Join(", ", inputs)}");
        }
        if (vary.Distinct(StringComparer.Ordinal).Count() != vary.Count)
            throw new ProgramInputException($"an input is named twice in {string.Join(",", vary)}");
    }
}
