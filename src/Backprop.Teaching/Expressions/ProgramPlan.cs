namespace Backprop.Teaching.Expressions;

/// <summary>
/// Which statements a chosen output needs and which inputs they read. With <c>--of x</c> only the statements
/// leading to <c>x</c> are run, so inputs that only later statements use need no value.
/// </summary>
internal sealed class ProgramPlan
{
    private ProgramPlan(IReadOnlyList<int> statements, IReadOnlyList<string> inputs, string outputName, string? outputInput)
    {
        Statements = statements;
        Inputs = inputs;
        OutputName = outputName;
        OutputInput = outputInput;
    }

    /// <summary>Indices of the statements to run, ascending.</summary>
    public IReadOnlyList<int> Statements { get; }

    /// <summary>The inputs those statements read, in order of first use.</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>The output's name, or the text of a final bare expression.</summary>
    public string OutputName { get; }

    /// <summary>Set when the requested output is an input that is never assigned (the output is that input itself).</summary>
    public string? OutputInput { get; }

    public static ProgramPlan Create(ProgramSyntax program, string? outputName)
    {
        IReadOnlyList<Statement> statements = program.Statements;
        int outputIndex = statements.Count - 1;
        if (outputName is not null)
        {
            outputIndex = LastAssignment(statements, outputName);
            if (outputIndex < 0)
            {
                if (ProgramResolver.Resolve(program).Inputs.Contains(outputName))
                    return new ProgramPlan([], [outputName], outputName, outputInput: outputName);
                var names = ProgramResolver.Resolve(program).Inputs
                    .Concat(statements.OfType<Assignment>().Select(a => a.Name)).Distinct();
                throw new ProgramInputException($"the program has no value named '{outputName}'; its names are {string.Join(", ", names)}");
            }
        }

        // For each statement: the earlier statements and the inputs its right-hand side reads.
        var statementDependencies = new List<int>[outputIndex + 1];
        var inputReads = new List<string>[outputIndex + 1];
        var lastAssigned = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i <= outputIndex; i++)
        {
            statementDependencies[i] = [];
            inputReads[i] = [];
            foreach (string name in ExpressionNames.Read(ValueOf(statements[i])))
            {
                if (lastAssigned.TryGetValue(name, out int source)) statementDependencies[i].Add(source);
                else inputReads[i].Add(name);
            }
            if (statements[i] is Assignment assignment)
                lastAssigned[assignment.Name] = i;
        }

        var needed = new SortedSet<int>();
        var pending = new Stack<int>();
        pending.Push(outputIndex);
        while (pending.Count > 0)
        {
            int index = pending.Pop();
            if (!needed.Add(index)) continue;
            foreach (int source in statementDependencies[index])
                pending.Push(source);
        }
        var inputs = needed.SelectMany(index => inputReads[index]).Distinct(StringComparer.Ordinal).ToList();
        string resultName = statements[outputIndex] is Assignment last ? last.Name : TextOf(new ProgramText(program.Source), statements[outputIndex].Span);
        return new ProgramPlan(needed.ToList(), inputs, resultName, outputInput: null);
    }

    private static int LastAssignment(IReadOnlyList<Statement> statements, string name)
    {
        for (int i = statements.Count - 1; i >= 0; i--)
            if (statements[i] is Assignment assignment && assignment.Name == name)
                return i;
        return -1;
    }

    private static ExpressionNode ValueOf(Statement statement) => statement switch
    {
        Assignment assignment => assignment.Value,
        OutputExpression bare => bare.Value,
        _ => throw new InvalidOperationException($"Unknown statement type {statement.GetType().Name}."),
    };


    /// <summary>The longest text <see cref="ShortTextOf"/> returns whole.</summary>
    internal const int ShortTextLength = 80;

    /// <summary>
    /// <see cref="TextOf"/>, shortened to its start and end around " … " when longer than <see cref="ShortTextLength"/>,
    /// so that the nodes of a long chain (each covering all the text before it) cost constant room, not the whole prefix.
    /// </summary>
    internal static string ShortTextOf(ProgramText text, SourceSpan span)
    {
        if (span.Length <= ShortTextLength)
            return TextOf(text, span);
        const int half = (ShortTextLength - 3) / 2;
        string head = TextOf(text, span with { Length = half });
        string tail = TextOf(text, new SourceSpan(span.Line, span.Column + span.Length - half, half));
        return head + " … " + tail;
    }

    /// <summary>The program text covered by <paramref name="span"/>, trimmed.</summary>
    internal static string TextOf(ProgramText text, SourceSpan span)
    {
        string line = text.LineText(span.Line);
        int start = Math.Clamp(span.Column - 1, 0, line.Length);
        return line.Substring(start, Math.Clamp(span.Length, 0, line.Length - start)).Trim();
    }
}
