namespace Backprop.Teaching.Expressions;

/// <summary>
/// A program run forward on the engine's tensors: every node it needed for its output, in evaluation order.
/// Built by <see cref="ProgramEvaluator.Evaluate"/>; explain it with <see cref="ExplainTrace.Run"/>.
/// </summary>
public sealed class EvaluatedProgram
{
    private readonly Dictionary<Tensor, ProgramNode> _byTensor;
    private readonly Dictionary<string, ProgramNode> _inputByName;

    internal EvaluatedProgram(ProgramSyntax syntax, IReadOnlyList<ProgramNode> nodes, ProgramNode output, string outputName)
    {
        Syntax = syntax;
        Nodes = nodes;
        Output = output;
        OutputName = outputName;
        Inputs = nodes.Where(node => node.Kind == ProgramNodeKind.Input).ToList();
        _byTensor = new Dictionary<Tensor, ProgramNode>(ReferenceEqualityComparer.Instance);
        foreach (ProgramNode node in nodes)
            _byTensor[node.Tensor] = node;
        _inputByName = new Dictionary<string, ProgramNode>(StringComparer.Ordinal);
        foreach (ProgramNode input in Inputs)
            _inputByName.TryAdd(input.Name!, input);
    }

    /// <summary>The parsed program.</summary>
    public ProgramSyntax Syntax { get; }

    /// <summary>
    /// The nodes the output depends on, in the order they were computed (statements that do not lead to the output
    /// are not evaluated).
    /// </summary>
    public IReadOnlyList<ProgramNode> Nodes { get; }

    /// <summary>The input nodes, in order of first use.</summary>
    public IReadOnlyList<ProgramNode> Inputs { get; }

    /// <summary>The node whose value is the program's result.</summary>
    public ProgramNode Output { get; }

    /// <summary>The output's name: the assigned variable, or the text of a final bare expression.</summary>
    public string OutputName { get; }

    /// <summary>The output's value.</summary>
    public double Value => Output.Value;

    /// <summary>The node that produced <paramref name="tensor"/>, or null when the tensor is not part of this program.</summary>
    public ProgramNode? NodeOf(Tensor tensor) => _byTensor.GetValueOrDefault(tensor);

    /// <summary>The input node called <paramref name="name"/>, or null.</summary>
    public ProgramNode? Input(string name) => _inputByName.GetValueOrDefault(name);
}
