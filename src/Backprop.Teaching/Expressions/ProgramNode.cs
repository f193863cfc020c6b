namespace Backprop.Teaching.Expressions;

/// <summary>
/// One value of an evaluated program: an input, a constant or the result of one operator. It wraps the
/// <see cref="Backprop.Tensor"/> the operator produced, so the backward pass that explains it is the engine's own.
/// </summary>
public sealed class ProgramNode
{
    private string? _name;

    internal ProgramNode(int id, ProgramNodeKind kind, string op, string expression, SourceSpan span, Tensor tensor, IReadOnlyList<ProgramNode> inputs)
    {
        Id = id;
        Kind = kind;
        Operator = op;
        Expression = expression;
        Span = span;
        Tensor = tensor;
        Inputs = inputs;
    }

    /// <summary>Position in evaluation order, starting at 0; unique within one <see cref="EvaluatedProgram"/>.</summary>
    public int Id { get; }

    /// <summary>Input, constant or operation.</summary>
    public ProgramNodeKind Kind { get; }

    /// <summary>
    /// The operation as the program writes it: <c>+ - * / ^</c>, <c>neg</c> for a prefix minus, a function name
    /// (<c>ln</c>, <c>sqrt</c>, <c>max</c>, ...), or <c>input</c> / <c>const</c>.
    /// </summary>
    public string Operator { get; }

    /// <summary>
    /// The program text this node was read from, e.g. <c>2*w</c>, <c>ln(B)</c> or <c>3</c>; text longer than 80 characters
    /// is shortened to its start and end around " … " (the whole is at <see cref="Span"/>).
    /// </summary>
    public string Expression { get; }

    /// <summary>Where <see cref="Expression"/> is in the program.</summary>
    public SourceSpan Span { get; }

    /// <summary>The variable holding this value (<c>x</c> for <c>x = 2*w + 3*b</c>), or null for an unnamed intermediate.</summary>
    public string? Name => _name;

    /// <summary>
    /// 1 for the first value a name holds, 2 after it is reassigned, and so on: <c>c = a + b; c = c + c + 1</c>
    /// makes two nodes named <c>c</c>, versions 1 and 2.
    /// </summary>
    public int Version { get; private set; }

    /// <summary>
    /// How the node is shown: its name with one prime per reassignment (<c>c</c>, <c>c'</c>, <c>c''</c>),
    /// or its expression when it has no name. From the fifth reassignment on the count is written instead (<c>x'5</c>).
    /// </summary>
    public string Label => _name is null ? Expression
        : Version <= MaxPrimes + 1 ? _name + new string('\'', Version - 1)
        : _name + "'" + (Version - 1).ToString(System.Globalization.CultureInfo.InvariantCulture); // x'7: seven primes, kept short

    // Beyond this many primes a label reads as a count ("x'7"): a name reassigned thousands of times must not make labels as long.
    private const int MaxPrimes = 4;

    /// <summary>The nodes this one was computed from, in argument order (empty for inputs and constants).</summary>
    public IReadOnlyList<ProgramNode> Inputs { get; }

    /// <summary>The engine's tensor holding the value (0-d, float64).</summary>
    public Tensor Tensor { get; }

    /// <summary>The forward value.</summary>
    public double Value => Tensor.Item();

    /// <summary>"x = 2*w + 3*b" for a named operation, otherwise <see cref="Label"/>.</summary>
    public string Definition => Kind == ProgramNodeKind.Operation && _name is not null ? $"{Label} = {Expression}" : Label;

    internal void Bind(string name, int version)
    {
        _name = name;
        Version = version;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Definition} ({Value})";
}
