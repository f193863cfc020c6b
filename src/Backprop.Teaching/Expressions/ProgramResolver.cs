namespace Backprop.Teaching.Expressions;

/// <summary>
/// Works out which names of a program are inputs and which statement is its output.
/// Binding each use to a particular assignment (so that <c>c = c + 1</c> makes a new node) is left to the evaluator,
/// which walks the statements in order anyway.
/// </summary>
public static class ProgramResolver
{
    /// <summary>Resolves <paramref name="program"/>.</summary>
    /// <param name="program">A parsed program (see <see cref="Parser.Parse"/>).</param>
    /// <param name="declaredInputs">
    /// Names whose values the caller will supply (for example from the command line). They still count as
    /// <see cref="ProgramResolution.Inputs"/> when read before assignment, but not as <see cref="ProgramResolution.FreeInputs"/>.
    /// </param>
    public static ProgramResolution Resolve(ProgramSyntax program, IEnumerable<string>? declaredInputs = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        if (program.Statements.Count == 0)
            throw new ArgumentException("A program has at least one statement.", nameof(program));

        var declared = new HashSet<string>(declaredInputs ?? [], StringComparer.Ordinal);
        var assigned = new HashSet<string>(StringComparer.Ordinal);
        var inputs = new List<string>();
        var seenInputs = new HashSet<string>(StringComparer.Ordinal);

        void Visit(ExpressionNode root)
        {
            foreach (string name in ExpressionNames.Read(root))
                if (!assigned.Contains(name) && seenInputs.Add(name)) inputs.Add(name);
        }

        foreach (Statement statement in program.Statements)
        {
            switch (statement)
            {
                case Assignment assignment:
                    // The right side is read before the name is bound: in "c = c + 1" the right-hand c is an input.
                    Visit(assignment.Value);
                    assigned.Add(assignment.Name);
                    break;
                case OutputExpression bare:
                    Visit(bare.Value);
                    break;
            }
        }

        Statement output = program.Statements[^1];
        string? outputName = output is Assignment last ? last.Name : null;
        var freeInputs = inputs.Where(name => !declared.Contains(name)).ToList();
        return new ProgramResolution(program, inputs, freeInputs, outputName, output);
    }
}
