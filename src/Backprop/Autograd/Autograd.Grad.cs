namespace Backprop;

// The functional form of the backward pass (the role of torch.autograd.grad): gradients returned, never accumulated.
public static partial class Autograd
{
    /// <summary>
    /// The gradients of Σᵢ ⟨outputs[i], gradOutputs[i]⟩ with respect to each of <paramref name="inputs"/>, returned
    /// in their order; no <see cref="Tensor.Grad"/> is read or written. Only the part of the graph between the outputs
    /// and the inputs runs. The inputs may be leaves or intermediate results.
    /// </summary>
    /// <param name="outputs">What is differentiated; each must require a gradient.</param>
    /// <param name="inputs">With respect to what; each must require a gradient.</param>
    /// <param name="gradOutputs">
    /// One gradient per output, of its shape, or null (the whole list, or one entry) for 1 at a one-element output.
    /// </param>
    /// <param name="createGraph">
    /// Record the pass, so the returned gradients are graph-connected and can be differentiated again (Hessians,
    /// Hessian-vector products, gradient penalties). Every operator on the way needs a differentiable backward rule.
    /// </param>
    /// <param name="retainGraph">Keep the saved values for another pass; by default as <paramref name="createGraph"/>.</param>
    /// <param name="allowUnused">
    /// Return null for an input the outputs do not depend on, instead of throwing.
    /// </param>
    /// <exception cref="InvalidOperationException">An output or input does not require a gradient, an input was not
    /// used (without <paramref name="allowUnused"/>), or a non-scalar output has no gradient.</exception>
    public static Tensor?[] Grad(Tensor[] outputs, Tensor[] inputs, Tensor?[]? gradOutputs = null, bool createGraph = false,
        bool? retainGraph = null, bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(inputs);
        if (outputs.Length == 0) throw new ArgumentException("Autograd.Grad: no outputs to differentiate", nameof(outputs));
        if (inputs.Length == 0) throw new ArgumentException("Autograd.Grad: no inputs to differentiate with respect to", nameof(inputs));
        if (gradOutputs is not null && gradOutputs.Length != outputs.Length)
            throw new ArgumentException(
                $"Autograd.Grad: {gradOutputs.Length} gradOutputs for {outputs.Length} outputs; expected one per output (null for a one-element output)",
                nameof(gradOutputs));

        if (BatchLevel(outputs, inputs, gradOutputs) is { } level)
            return BatchingRules.Grad(level, outputs, inputs, gradOutputs, createGraph, retainGraph, allowUnused);

        var seeds = new Tensor[outputs.Length];
        for (int i = 0; i < outputs.Length; i++)
        {
            var output = outputs[i] ?? throw new ArgumentNullException(nameof(outputs), $"Autograd.Grad: output {i} is null");
            output.CheckAlive();
            if (!output.RequiresGrad)
                throw new InvalidOperationException(
                    $"Autograd.Grad: output {i} {Shapes.Format(output.ShapeArray)} does not require a gradient and has no grad_fn " +
                    "(no input of its computation requires a gradient, it was computed under NoGrad, or it is a gradient computed without createGraph: true)");
            seeds[i] = BackwardEngine.Seed("Autograd.Grad", $"output {i}", output, gradOutputs?[i], createGraph);
        }
        for (int i = 0; i < inputs.Length; i++)
        {
            var input = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"Autograd.Grad: input {i} is null");
            if (!input.RequiresGrad)
                throw new InvalidOperationException(
                    $"Autograd.Grad: input {i} {Shapes.Format(input.ShapeArray)} does not require a gradient; set RequiresGrad on it before computing the outputs");
        }

        var gradients = BackwardEngine.Gradients(outputs, seeds, inputs, retainGraph ?? createGraph, createGraph);
        if (!allowUnused)
            for (int i = 0; i < gradients.Length; i++)
                if (gradients[i] is null)
                    throw new InvalidOperationException(
                        $"Autograd.Grad: input {i} {Shapes.Format(inputs[i].ShapeArray)} appears not to have been used in the graph of the outputs " +
                        "(no gradient reaches it); pass allowUnused: true to get null for it instead");
        return gradients;
    }

    /// <summary>The deepest Vmap level among the tensors (a gradient taken inside a Vmap's batched evaluation), or null.</summary>
    private static VmapLevel? BatchLevel(Tensor[] outputs, Tensor[] inputs, Tensor?[]? gradOutputs)
    {
        var top = Batching.Top(outputs);
        if (Batching.Top(inputs) is { } i && (top is null || i.Id > top.Id)) top = i;
        if (gradOutputs is not null && Batching.Top(gradOutputs) is { } g && (top is null || g.Id > top.Id)) top = g;
        return top;
    }

    /// <summary>The gradients of one output; see <see cref="Grad(Tensor[], Tensor[], Tensor?[], bool, bool?, bool)"/>.</summary>
    public static Tensor?[] Grad(Tensor output, Tensor[] inputs, Tensor? gradOutput = null, bool createGraph = false,
        bool? retainGraph = null, bool allowUnused = false) =>
        Grad([output], inputs, [gradOutput], createGraph, retainGraph, allowUnused);

    /// <summary>
    /// The gradient of one output with respect to one input; see <see cref="Grad(Tensor[], Tensor[], Tensor?[], bool, bool?, bool)"/>.
    /// Null only with <paramref name="allowUnused"/>, when the output does not depend on the input.
    /// </summary>
    public static Tensor? Grad(Tensor output, Tensor input, Tensor? gradOutput = null, bool createGraph = false,
        bool? retainGraph = null, bool allowUnused = false) =>
        Grad([output], [input], [gradOutput], createGraph, retainGraph, allowUnused)[0];
}
