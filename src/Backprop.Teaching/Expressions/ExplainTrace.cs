namespace Backprop.Teaching.Expressions;

/// <summary>
/// The backward pass of an evaluated program as the engine ran it, recorded step by step through
/// <see cref="IBackwardObserver"/>: for every gate its upstream gradient, its local gradients and what it hands
/// to each input, and where a value feeds several gates, the gradients that were summed.
/// </summary>
public sealed class ExplainTrace
{
    private readonly Dictionary<ProgramNode, double> _gradients;
    private readonly Dictionary<ProgramNode, BackwardStep> _stepByNode = [];

    private ExplainTrace(EvaluatedProgram program, IReadOnlyList<BackwardStep> steps, Dictionary<ProgramNode, double> gradients)
    {
        Program = program;
        Steps = steps;
        _gradients = gradients;
        foreach (BackwardStep step in steps)
            _stepByNode.TryAdd(step.Node, step);
    }

    /// <summary>The program that was differentiated.</summary>
    public EvaluatedProgram Program { get; }

    /// <summary>The steps in the engine's order: reverse topological, starting at the output.</summary>
    public IReadOnlyList<BackwardStep> Steps { get; }

    /// <summary>∂output/∂node for every node the backward pass reached; null for constants and constant-only gates.</summary>
    public double? GradientOf(ProgramNode node) => _gradients.TryGetValue(node, out double g) ? g : null;

    /// <summary>
    /// ∂output/∂input for every input the program reads, in order of first use: 0 for one the output does not depend
    /// on, whether it lies on no path to the output (a constant program) or in a statement the output never uses
    /// (<c>v1 = sqrt(1 + v1^2); out = v2 * 3</c> reads v1, and ∂out/∂v1 = 0).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, double>> InputGradients =>
        ProgramResolver.Resolve(Program.Syntax).Inputs
            .Select(name => KeyValuePair.Create(name, Program.Input(name) is { } input ? GradientOf(input) ?? 0 : 0)).ToList();

    /// <summary>
    /// The inputs the program reads that the output does not depend on at all (their statements are not evaluated),
    /// in order of first use; their gradient is 0.
    /// </summary>
    public IReadOnlyList<string> UnusedInputs =>
        ProgramResolver.Resolve(Program.Syntax).Inputs.Where(name => Program.Input(name) is null).ToList();

    /// <summary>The step that delivered the gradient of <paramref name="node"/> (its gate step, or its leaf step).</summary>
    public BackwardStep? StepOf(ProgramNode node) => _stepByNode.GetValueOrDefault(node);

    /// <summary>
    /// Runs the engine's backward pass from the program's output and records it. Call it once per evaluation:
    /// it stores gradients in the input tensors like any backward pass.
    /// </summary>
    public static ExplainTrace Run(EvaluatedProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        var recorder = new Recorder(program);
        // An output that depends on no input (a constant program) has no graph to walk; every gradient is then 0.
        if (program.Output.Tensor.RequiresGrad)
            program.Output.Tensor.Backward(recorder, retainGraph: true);
        return new ExplainTrace(program, recorder.Steps, recorder.Gradients);
    }

    private sealed class Recorder(EvaluatedProgram program) : IBackwardObserver
    {
        private readonly Dictionary<ProgramNode, List<GradientContribution>> _arrived = [];

        public List<BackwardStep> Steps { get; } = [];

        public Dictionary<ProgramNode, double> Gradients { get; } = [];

        public void OnStep(Tensor output, Node node, Tensor upstream, ReadOnlySpan<Tensor?> inputGradients)
        {
            ProgramNode gate = Find(output);
            // The local gradients are the gate's own rule evaluated with an upstream of 1; the saved forward values
            // are still there because the engine reports a step before it releases them.
            Tensor?[] locals = node.InputGradients(Tensor.Scalar(1.0));
            var inputs = new List<GateInputGradient>(gate.Inputs.Count);
            for (int i = 0; i < gate.Inputs.Count; i++)
            {
                ProgramNode input = gate.Inputs[i];
                double? downstream = inputGradients[i]?.Item();
                double? local = downstream is null ? null : locals[i]?.Item();
                inputs.Add(new GateInputGradient(input, local, downstream));
                if (downstream is { } sent)
                    ArrivalsAt(input).Add(new GradientContribution(gate, sent));
            }
            double g = upstream.Item();
            Gradients[gate] = g;
            Steps.Add(new BackwardStep(BackwardStepKind.Gate, gate, g, Arrived(gate), inputs));
        }

        public void OnLeaf(Tensor leaf, Tensor gradient)
        {
            ProgramNode input = Find(leaf);
            double g = gradient.Item();
            Gradients[input] = g;
            Steps.Add(new BackwardStep(BackwardStepKind.Leaf, input, g, Arrived(input), []));
        }

        private List<GradientContribution> ArrivalsAt(ProgramNode node)
        {
            if (!_arrived.TryGetValue(node, out var list))
                _arrived[node] = list = [];
            return list;
        }

        // Program order (the order of the gates in the text) reads more naturally than the engine's visiting order,
        // and addition does not care: "63 = 27 + 36" for the b that feeds 3*b and then 2*b.
        private IReadOnlyList<GradientContribution> Arrived(ProgramNode node) =>
            _arrived.TryGetValue(node, out var list) ? list.OrderBy(c => c.From.Id).ToList() : [];

        private ProgramNode Find(Tensor tensor) => program.NodeOf(tensor)
            ?? throw new InvalidOperationException("internal: the backward pass reached a tensor the program did not make");
    }
}
