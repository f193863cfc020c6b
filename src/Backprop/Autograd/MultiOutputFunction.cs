namespace Backprop;

/// <summary>
/// A differentiable operation of one's own with several outputs (such as a value and its derivative, or the two halves
/// of a split): as <see cref="Function"/>, but the forward returns an array of outputs and the backward receives one
/// gradient per output. An output that the loss does not use receives zeros (PyTorch's default); an integer output
/// (indices, counts) carries no gradient and receives null.
/// </summary>
/// <remarks>
/// The floating-point outputs are recorded as one node: they are copied into one buffer whose pieces (views) are the
/// returned tensors, so the engine sums every output's gradient into that buffer and the backward runs once with all
/// of them. They must share one dtype. The copy costs one pass over the outputs.
/// </remarks>
public abstract class MultiOutputFunction
{
    /// <summary>The operation's name in error messages and anomaly reports; the class name by default.</summary>
    public virtual string Name => GetType().Name;

    /// <summary>
    /// Whether <see cref="Backward"/> may be differentiated only once (PyTorch's <c>once_differentiable</c>): a pass
    /// that creates the graph through this function is then refused with a <see cref="NotSupportedException"/>
    /// instead of recording the backward (see <see cref="Function.IsOnceDifferentiable"/>). False by default.
    /// </summary>
    public virtual bool IsOnceDifferentiable => false;

    /// <summary>Computes the outputs (at least one) from <paramref name="inputs"/>, with gradient recording off.</summary>
    protected internal abstract Tensor[] Forward(FunctionContext ctx, ReadOnlySpan<Tensor> inputs);

    /// <summary>
    /// Returns one gradient (or null) per input, given one gradient per output (zeros for an output the loss does not
    /// reach, null for an integer output). Runs with gradient recording off, except in a pass that creates the graph
    /// (as for <see cref="Function.Backward"/>); entries may have broadcast shapes.
    /// </summary>
    protected internal abstract Tensor?[] Backward(FunctionContext ctx, ReadOnlySpan<Tensor?> gradOutputs);

    /// <summary>Runs <see cref="Forward"/> and, when recording is on and some input requires a gradient, records it.</summary>
    /// <exception cref="ArgumentException">
    /// An input or output is null, there is no output, or the floating-point outputs have different dtypes.
    /// </exception>
    public Tensor[] Apply(params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i] is null) throw new ArgumentException($"{Name}: input {i} is null", nameof(inputs));
        var captured = (Tensor[])inputs.Clone();
        bool record = Autograd.ShouldRecord(captured);
        var ctx = new FunctionContext(captured, record);
        Tensor[] outputs;
        using (Autograd.NoGrad())
            outputs = Forward(ctx, captured) is { Length: > 0 } o ? (Tensor[])o.Clone()
                : throw new ArgumentException($"{Name}: Forward returned no outputs; it must return at least one");
        DType? dtype = null;
        for (int i = 0; i < outputs.Length; i++)
        {
            var output = outputs[i] ?? throw new ArgumentException($"{Name}: Forward returned null for output {i}");
            if (!output.DType.IsFloatingPoint()) continue;
            dtype ??= output.DType;
            if (output.DType != dtype)
                throw new ArgumentException($"{Name}: output {i} is {output.DType.Name()} but an earlier output is {dtype.Value.Name()}; the differentiable outputs must share one dtype");
        }
        if (!record || dtype is null) return outputs;

        var pieces = new List<Tensor>();
        var layout = new (int Offset, int[] Shape)?[outputs.Length];
        int offset = 0;
        Tensor packed;
        using (Autograd.NoGrad())
        {
            for (int i = 0; i < outputs.Length; i++)
            {
                if (!outputs[i].DType.IsFloatingPoint()) continue;
                layout[i] = (offset, outputs[i].ShapeArray);
                pieces.Add(outputs[i].Reshape(-1));
                offset += outputs[i].Numel;
            }
            packed = Tensor.Concat(pieces);
        }
        MultiOutputFunctionNode.Record(packed, this, ctx, captured, layout);
        // Each differentiable output is a recorded view of the packed buffer: its gradient flows back into the buffer.
        for (int i = 0; i < outputs.Length; i++)
            if (layout[i] is { } piece) outputs[i] = packed.Narrow(0, piece.Offset, Shapes.Numel(piece.Shape)).Reshape(piece.Shape);
        return outputs;
    }
}

/// <summary>The graph node of one <see cref="MultiOutputFunction"/> application, recorded on the packed outputs.</summary>
internal sealed class MultiOutputFunctionNode : UserFunctionNode
{
    private readonly MultiOutputFunction _function;
    private readonly (int Offset, int[] Shape)?[] _layout;

    private MultiOutputFunctionNode(MultiOutputFunction function, FunctionContext context, (int Offset, int[] Shape)?[] layout) : base(context) =>
        (_function, _layout) = (function, layout);

    public override string Name => _function.Name;

    internal override Type FunctionType => _function.GetType();

    public static void Record(Tensor packed, MultiOutputFunction function, FunctionContext context, Tensor[] inputs, (int Offset, int[] Shape)?[] layout)
    {
        var node = new MultiOutputFunctionNode(function, context, layout);
        context.Attach(node);
        Record(packed, node, inputs);
    }

    internal override void Backward(Tensor gradOutput, Span<Tensor?> gradInputs)
    {
        var grads = new Tensor?[_layout.Length];
        for (int i = 0; i < grads.Length; i++)
            if (_layout[i] is { } piece) grads[i] = gradOutput.Narrow(0, piece.Offset, Shapes.Numel(piece.Shape)).Reshape(piece.Shape);
        Hand(_function.Backward(Context, grads), gradInputs);
    }

    // As for Function: the user's rule run with recording on (the unpacking narrows are recorded too).
    internal override void RecordedBackward(Tensor gradOutput, Span<Tensor?> gradInputs)
    {
        if (_function.IsOnceDifferentiable) throw OnceDifferentiable(nameof(MultiOutputFunction.IsOnceDifferentiable));
        Backward(gradOutput, gradInputs);
    }
}
