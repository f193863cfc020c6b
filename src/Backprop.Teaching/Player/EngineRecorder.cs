using System.Globalization;

namespace Backprop.Teaching.Player;

/// <summary>
/// Records any computation on the engine: the forward pass under a trace (so every node knows the module that made it),
/// then the engine's own backward pass with an <see cref="IBackwardObserver"/> that copies out each step.
/// </summary>
internal static class EngineRecorder
{
    public static Recording Record(Func<Tensor> computation, RecordOptions options)
    {
        var names = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        var parameters = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        if (options.Model is { } model)
            foreach ((string name, Tensor parameter) in model.NamedParameters())
            {
                names[parameter] = name;
                parameters.Add(parameter);
            }
        if (options.Names is { } given)
            foreach ((Tensor tensor, string name) in given) names[tensor] = name;

        Tensor output;
        using (Tracing.Begin()) output = computation();
        if (output.Numel != 1)
            throw new ArgumentException(
                $"Explain.Record: the computation returned a tensor of shape [{string.Join(", ", output.Shape.ToArray())}]; expected one number (a loss) to differentiate");
        // Under the trace every operator records its node, so the graph exists even when nothing requires a gradient.
        List<Tensor> order = TopologicalOrder(output);
        if (!output.RequiresGrad || !order.Any(t => t.GradFn is null && t.RequiresGrad))
            throw new ArgumentException("Explain.Record: the output depends on no tensor that requires a gradient, so there is no backward pass to record");
        var ids = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < order.Count; i++) ids[order[i]] = i;

        // The pass stores gradients in the leaves like any backward pass; the caller's gradients are put back after.
        var leaves = order.Where(t => t.GradFn is null).ToList();
        var savedGrads = leaves.Select(t => t.Grad).ToList();
        foreach (Tensor leaf in leaves) leaf.Grad = null;
        var observer = new StepObserver(ids);
        try
        {
            output.Backward(observer, retainGraph: true);
        }
        finally
        {
            for (int i = 0; i < leaves.Count; i++) leaves[i].Grad = savedGrads[i];
        }

        var nodes = new List<RecordedNode>(order.Count);
        for (int i = 0; i < order.Count; i++)
        {
            Tensor t = order[i];
            Node? node = t.GradFn;
            RecordedNodeKind kind = node is not null ? RecordedNodeKind.Operation
                : parameters.Contains(t) ? RecordedNodeKind.Parameter
                : t.RequiresGrad ? RecordedNodeKind.Input
                : RecordedNodeKind.Constant;
            string op = node?.Name ?? kind.ToString().ToLowerInvariant();
            string? module = node is not null ? Nonempty(node.Origin?.ModulePath)
                : names.GetValueOrDefault(t) is { } owned && parameters.Contains(t) && owned.LastIndexOf('.') is > 0 and int dot ? owned[..dot] : null;
            // A gate is called by its module and operator ("0.linear"), so the two layers' gates read apart.
            string label = names.GetValueOrDefault(t) ?? t.Name
                ?? (node is not null ? (module is null ? node.Name : module + "." + node.Name) : kind == RecordedNodeKind.Input ? "input" : ConstantLabel(t));
            TensorSnapshot? gradient = observer.Gradients.GetValueOrDefault(i);
            NumericalCheck? check = options.NumericalCheck && node is null && t.RequiresGrad && gradient is not null
                ? Check(computation, t, gradient, i) : null;
            nodes.Add(new RecordedNode(i, label, op, kind, module,
                node?.Inputs.Select(input => ids[input]).ToList() ?? [], TensorSnapshot.Of(t), gradient, check));
        }
        string title = options.Title ?? $"the backward pass of {nodes[^1].Operator}";
        return new Recording(title, null, nodes, ids[output], observer.Steps, []);
    }

    private static string? Nonempty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    private static string ConstantLabel(Tensor t) =>
        t.Numel == 1 ? t.ToDoubleArray()[0].ToString("G4", CultureInfo.InvariantCulture) : "data";

    // Inputs before the gates that read them, each gate after all of its inputs; iterative, since a long chain of
    // operators is a deep graph. The output comes last.
    private static List<Tensor> TopologicalOrder(Tensor output)
    {
        var order = new List<Tensor>();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor Tensor, int Next)>();
        stack.Push((output, 0));
        seen.Add(output);
        while (stack.Count > 0)
        {
            (Tensor tensor, int next) = stack.Pop();
            IReadOnlyList<Tensor> inputs = tensor.GradFn?.Inputs ?? [];
            if (next < inputs.Count)
            {
                stack.Push((tensor, next + 1));
                if (seen.Add(inputs[next])) stack.Push((inputs[next], 0));
                continue;
            }
            order.Add(tensor);
        }
        return order;
    }

    // Moves the leaf along a random direction v by ±h and runs the computation again without recording:
    // (f(x + hv) − f(x − hv)) / 2h must equal Σ gradient·v.
    private static NumericalCheck Check(Func<Tensor> computation, Tensor leaf, TensorSnapshot gradient, int seed)
    {
        bool single = leaf.DType == DType.Float32;
        double h = single ? 1e-2 : 1e-6;
        var random = new Random(seed + 1);
        double[] original = leaf.ToDoubleArray();
        double[] direction = original.Select(_ => random.Next(2) == 0 ? -1.0 : 1.0).ToArray();
        double analytic = gradient.Values.Select((g, k) => g * direction[k]).Sum();
        double Evaluate(double step)
        {
            using (Autograd.NoGrad())
            {
                leaf.CopyFrom(Tensor.FromArray(original.Select((x, k) => x + step * direction[k]).ToArray(), leaf.Shape.ToArray()));
                return computation().ToDoubleArray()[0];
            }
        }
        try
        {
            double numerical = (Evaluate(h) - Evaluate(-h)) / (2 * h);
            return new NumericalCheck(analytic, numerical, single ? 2e-2 : 1e-5);
        }
        finally
        {
            using (Autograd.NoGrad()) leaf.CopyFrom(Tensor.FromArray(original, leaf.Shape.ToArray()));
        }
    }

    private sealed class StepObserver(Dictionary<Tensor, int> ids) : IBackwardObserver
    {
        private readonly Dictionary<int, List<RecordedArrival>> _arrived = [];

        public List<RecordedStep> Steps { get; } = [];

        public Dictionary<int, TensorSnapshot> Gradients { get; } = [];

        public void OnStep(Tensor output, Node node, Tensor upstream, ReadOnlySpan<Tensor?> inputGradients)
        {
            int gate = ids[output];
            var up = TensorSnapshot.Of(upstream);
            Gradients[gate] = up;
            IReadOnlyList<Tensor> inputs = node.Inputs;
            bool scalar = upstream.Numel == 1 && inputs.All(i => i.Numel == 1);
            Tensor?[]? locals = scalar ? node.InputGradients(Tensor.OnesLike(upstream)) : null;
            Tensor?[]? raw = null;
            var handed = new List<RecordedInputGradient>(inputs.Count);
            for (int k = 0; k < inputs.Count; k++)
            {
                int input = ids[inputs[k]];
                if (inputGradients[k] is not { } g)
                {
                    handed.Add(new RecordedInputGradient(input, null, null));
                    continue;
                }
                var downstream = TensorSnapshot.Of(g);
                TensorSnapshot? before = null;
                int[] axes = BroadcastAxes(output.Shape, inputs[k].Shape);
                if (axes.Length > 0)
                {
                    // The gate's rule gives the gradient in the output's shape; the engine sums it over the axes the
                    // input was broadcast along. Shown before and after, as the texts do.
                    raw ??= Unreduced(node, upstream, inputs.Count);
                    if (raw[k] is { } r && r.Shape.SequenceEqual(output.Shape)) before = TensorSnapshot.Of(r);
                    else axes = [];
                }
                double? local = locals?[k] is { } l ? l.ToDoubleArray()[0] : null;
                handed.Add(new RecordedInputGradient(input, local, downstream, before, axes));
                if (!_arrived.TryGetValue(input, out var list)) _arrived[input] = list = [];
                list.Add(new RecordedArrival(gate, downstream));
            }
            Steps.Add(new RecordedStep(gate, up, Arrived(gate), handed));
        }

        public void OnLeaf(Tensor leaf, Tensor gradient)
        {
            int id = ids[leaf];
            var g = TensorSnapshot.Of(gradient);
            Gradients[id] = g;
            Steps.Add(new RecordedStep(id, g, Arrived(id), []));
        }

        private IReadOnlyList<RecordedArrival> Arrived(int node) =>
            _arrived.TryGetValue(node, out var list) ? list.OrderBy(a => a.From).ToList() : [];

        private static Tensor?[] Unreduced(Node node, Tensor upstream, int count)
        {
            var grads = new Tensor?[count];
            using (Autograd.NoGrad()) node.Backward(upstream, grads);
            return grads;
        }

        // The axes of the output (right-aligned, NumPy's rule) along which an input of another shape was broadcast: the
        // leading axes it lacks (even of size 1: the engine sums them away) and those where it has size 1.
        private static int[] BroadcastAxes(ReadOnlySpan<int> output, ReadOnlySpan<int> input)
        {
            if (output.SequenceEqual(input) || input.Length > output.Length) return [];
            var axes = new List<int>();
            int offset = output.Length - input.Length;
            for (int a = 0; a < output.Length; a++)
            {
                int inputSize = a < offset ? 1 : input[a - offset];
                if (a < offset || (inputSize == 1 && output[a] != 1)) axes.Add(a);
                else if (inputSize != output[a]) return []; // not a broadcast (matmul, reshape, ...): nothing was summed
            }
            return [.. axes];
        }
    }
}
