using Backprop.Teaching.Visualization;

namespace Backprop.Teaching.Expressions;

/// <summary>Where a node of a <see cref="GradientGraph"/> comes from.</summary>
public enum GradientGraphNodeKind
{
    /// <summary>A node of the program itself (an input, a constant or a gate of the forward pass) that the gradient reads.</summary>
    Forward,
    /// <summary>A number the backward rules made (the seed 1 of the output, a constant of a rule).</summary>
    Constant,
    /// <summary>An operator the backward pass recorded while computing the gradient.</summary>
    Operation,
}

/// <summary>One node of the gradient's own computation graph.</summary>
/// <param name="Id">Position in <see cref="GradientGraph.Nodes"/> (inputs before the nodes that read them).</param>
/// <param name="Kind">Forward value, constant or recorded operator.</param>
/// <param name="Label">How it is written: a forward node by its program label ("y", "2*b"), a constant by its value, a
/// recorded operator as g1, g2, ... in the order the backward pass made them.</param>
/// <param name="Operator">The engine's operator name ("mul", "ln") for an operation; the program node's operator for a forward node; "const" for a constant.</param>
/// <param name="Value">Its value.</param>
/// <param name="Inputs">What it was computed from, in argument order (empty for an input or a constant).</param>
/// <param name="Forward">The program node, for a forward node; else null.</param>
/// <param name="SecondGradient">
/// For a program with one input w: d(∂output/∂w)/d(this node), the second backward pass through the gradient graph
/// (at w itself it is ∂²output/∂w²); null for several inputs, and where the gradient does not depend on the node.
/// </param>
/// <param name="SecondInputs">For an operation, what the second backward pass hands to each input (same order as <paramref name="Inputs"/>).</param>
/// <param name="Constant">
/// The number a one-input multiply holds rather than reads as a tensor (the 2 of g·2), with whether it comes first;
/// null for none. Other one-input arithmetic (add, sub, div, pow of a tensor and a number) keeps its number inside.
/// </param>
public sealed record GradientGraphNode(
    int Id,
    GradientGraphNodeKind Kind,
    string Label,
    string Operator,
    double Value,
    IReadOnlyList<GradientGraphNode> Inputs,
    ProgramNode? Forward,
    double? SecondGradient,
    IReadOnlyList<double?> SecondInputs,
    (double Value, bool First)? Constant = null);

/// <summary>
/// The graph of the gradient itself: <see cref="Autograd.Grad(Tensor, Tensor[], Tensor?, bool, bool?, bool)"/> with
/// <c>createGraph: true</c> records every backward rule as ordinary operators, so ∂output/∂input is another
/// computation graph — built from the forward pass's values — that can be differentiated again for the second
/// derivatives. Only the nodes the gradients depend on are kept.
/// </summary>
public sealed class GradientGraph
{
    private GradientGraph(EvaluatedProgram program, IReadOnlyList<GradientGraphNode> nodes,
        IReadOnlyList<KeyValuePair<string, GradientGraphNode?>> gradients, double[,] hessian)
    {
        Program = program;
        Nodes = nodes;
        Gradients = gradients;
        Hessian = hessian;
    }

    /// <summary>The program whose gradient this is.</summary>
    public EvaluatedProgram Program { get; }

    /// <summary>Every node, each after the nodes it reads.</summary>
    public IReadOnlyList<GradientGraphNode> Nodes { get; }

    /// <summary>∂output/∂input per program input (first use order): the node that holds it, null when it is 0 (the output does not depend on the input).</summary>
    public IReadOnlyList<KeyValuePair<string, GradientGraphNode?>> Gradients { get; }

    /// <summary>∂²output/∂inputᵢ∂inputⱼ, in the order of <see cref="Gradients"/>: row i is the gradient graph of input i differentiated again.</summary>
    public double[,] Hessian { get; }

    /// <summary>The most nodes a gradient graph is built with; past that it is too large to read.</summary>
    public const int MaxNodes = 10_000;

    /// <summary>Differentiates <paramref name="program"/>'s output with <c>createGraph: true</c> and collects the recorded graph.</summary>
    /// <exception cref="ArgumentException">The gradient graph has more than <see cref="MaxNodes"/> nodes.</exception>
    public static GradientGraph Build(EvaluatedProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        string[] names = program.Inputs.Select(input => input.Name!).ToArray();
        Tensor?[] gradients = names.Length == 0 ? [] : ProgramDerivatives.Gradient(program, names);
        double[,] hessian = names.Length == 0 ? new double[0, 0] : ProgramDerivatives.Hessian(program, names, gradients);

        // Post-order over the recorded nodes with an explicit stack: the graph of a long chain is as deep as it is long.
        var order = new List<Tensor>();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (Tensor? gradient in gradients)
        {
            if (gradient is null || seen.Contains(gradient)) continue;
            var work = new Stack<(Tensor Tensor, bool Expanded)>();
            work.Push((gradient, false));
            while (work.Count > 0)
            {
                (Tensor tensor, bool expanded) = work.Pop();
                if (expanded) { order.Add(tensor); continue; }
                if (!seen.Add(tensor)) continue;
                if (order.Count + work.Count > MaxNodes)
                    throw new ArgumentException($"the gradient graph has more than {MaxNodes} nodes, too many to show; explain a smaller part with the output option");
                work.Push((tensor, true));
                // Forward values are followed too: the gradient is a function of them, and they of the inputs.
                if (tensor.GradFn is { } node)
                    for (int i = node.Inputs.Count - 1; i >= 0; i--)
                        if (!seen.Contains(node.Inputs[i])) work.Push((node.Inputs[i], false));
            }
        }

        // The second backward pass, for one input: d(∂output/∂w)/d(node) for every node of the gradient graph.
        Dictionary<Tensor, double?> second = new(ReferenceEqualityComparer.Instance);
        if (names.Length == 1 && gradients[0] is { RequiresGrad: true } g)
        {
            Tensor[] differentiable = order.Where(t => t.RequiresGrad).ToArray();
            Tensor?[] values = Autograd.Grad(g, differentiable, retainGraph: true, allowUnused: true);
            for (int i = 0; i < differentiable.Length; i++)
                second[differentiable[i]] = values[i]?.Item();
        }

        var built = new Dictionary<Tensor, GradientGraphNode>(ReferenceEqualityComparer.Instance);
        var nodes = new List<GradientGraphNode>(order.Count);
        int recorded = 0;
        foreach (Tensor tensor in order)
        {
            ProgramNode? forward = program.NodeOf(tensor);
            double? own = second.GetValueOrDefault(tensor);
            GradientGraphNodeKind kind = forward is not null ? GradientGraphNodeKind.Forward
                : tensor.GradFn is not null ? GradientGraphNodeKind.Operation : GradientGraphNodeKind.Constant;
            string op = forward?.Operator ?? tensor.GradFn?.Name ?? "const";
            string label = forward is { Kind: ProgramNodeKind.Constant } ? forward.Expression
                : forward is not null ? forward.Label
                : kind == GradientGraphNodeKind.Constant ? CompactNumber.Format(tensor.Item())
                : "g" + ++recorded;
            GradientGraphNode made;
            if (tensor.GradFn is { } node)
            {
                var inputs = node.Inputs.Select(input => built[input]).ToList();
                // What this gate hands each input in the second pass: its own rule at the upstream d(∂output/∂w)/d(gate).
                double?[] sent = new double?[inputs.Count];
                if (own is { } upstream)
                {
                    Tensor?[] local = node.InputGradients(Tensor.Scalar(upstream));
                    for (int i = 0; i < sent.Length; i++)
                        sent[i] = node.Inputs[i].RequiresGrad ? local[i]?.Item() : null;
                }
                made = new GradientGraphNode(nodes.Count, kind, label, op, tensor.Item(), inputs, forward, own, sent, ScalarOperand.Of(node));
            }
            else
            {
                made = new GradientGraphNode(nodes.Count, kind, label, op, tensor.Item(), [], forward, own, []);
            }
            built[tensor] = made;
            nodes.Add(made);
        }
        var byInput = names.Select((name, i) => KeyValuePair.Create(name, gradients[i] is { } t ? built[t] : null)).ToList();
        return new GradientGraph(program, nodes, byInput, hessian);
    }
}
