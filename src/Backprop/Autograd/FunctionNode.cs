namespace Backprop;

/// <summary>
/// What the graph nodes of <see cref="Function"/> and <see cref="MultiOutputFunction"/> applications share: the
/// context, the saved values read through a built-in operator's checks, and the checks of what the user's backward
/// returns before the engine reduces and accumulates it.
/// </summary>
internal abstract class UserFunctionNode : Node
{
    private protected readonly FunctionContext Context;

    private protected UserFunctionNode(FunctionContext context) => Context = context;

    /// <summary>The user's <see cref="Function"/> or <see cref="MultiOutputFunction"/> type (named by the ONNX exporter's refusal).</summary>
    internal abstract Type FunctionType { get; }

    // The same release and in-place checks as a built-in operator's saved values.
    internal Tensor ReadSaved(Tensor? value) => Saved(IsReleased ? null : value);

    private protected void Hand(Tensor?[]? grads, Span<Tensor?> gradInputs)
    {
        var inputs = InputArray;
        if (grads is null)
            throw new InvalidOperationException($"{Name}: Backward returned null; it must return one gradient (or null) per input ({inputs.Length})");
        if (grads.Length != inputs.Length)
            throw new InvalidOperationException(
                $"{Name}: Backward returned {grads.Length} gradient{(grads.Length == 1 ? "" : "s")} for {inputs.Length} input{(inputs.Length == 1 ? "" : "s")}; expected one per input (null where none is needed)");
        for (int i = 0; i < grads.Length; i++)
        {
            if (grads[i] is not { } g || !inputs[i].RequiresGrad) continue;
            if (!g.DType.IsFloatingPoint())
                throw new InvalidOperationException($"{Name}: the gradient for input {i} is {g.DType.Name()}; expected a floating-point tensor");
            if (!BroadcastsTo(inputs[i].ShapeArray, g.ShapeArray))
                throw new InvalidOperationException(
                    $"{Name}: the gradient for input {i} has shape {Shapes.Format(g.ShapeArray)}, but the input has shape {Shapes.Format(inputs[i].ShapeArray)}; " +
                    "expected the input's shape or one it broadcasts to");
            gradInputs[i] = g;
        }
    }

    // Whether an input of shape `input` broadcasts to `grad` (so the engine's SumTo recovers the input's shape).
    private static bool BroadcastsTo(int[] input, int[] grad)
    {
        int lead = grad.Length - input.Length;
        if (lead < 0) return false;
        for (int i = 0; i < input.Length; i++)
            if (input[i] != 1 && input[i] != grad[lead + i]) return false;
        return true;
    }

    protected override void ReleaseSaved() => Context.Release();

    /// <summary>The refusal of a pass that creates the graph through a function marked once-differentiable.</summary>
    private protected NotSupportedException OnceDifferentiable(string property) => new(
        $"double backward through '{Name}' is not supported: the function is marked once-differentiable ({property} is true), " +
        "so its Backward is not recorded and its gradient cannot be differentiated again; expected createGraph: false, " +
        $"or a Backward written with Tensor operations on the saved tensors and {property} false");
}

/// <summary>The graph node of one <see cref="Function"/> application.</summary>
internal sealed class FunctionNode : UserFunctionNode
{
    private readonly Function _function;

    private FunctionNode(Function function, FunctionContext context) : base(context) => _function = function;

    public override string Name => _function.Name;

    internal override Type FunctionType => _function.GetType();

    public static Tensor Record(Tensor output, Function function, FunctionContext context, Tensor[] inputs)
    {
        var node = new FunctionNode(function, context);
        context.Attach(node);
        return Record(output, node, inputs);
    }

    internal override void Backward(Tensor gradOutput, Span<Tensor?> gradInputs) =>
        Hand(_function.Backward(Context, gradOutput), gradInputs);

    // The user's own rule, run with recording on: written with Tensor operations on the saved tensors (graph-connected
    // inputs and output), it is recorded like any other computation and can be differentiated again.
    internal override void RecordedBackward(Tensor gradOutput, Span<Tensor?> gradInputs)
    {
        if (_function.IsOnceDifferentiable) throw OnceDifferentiable(nameof(Function.IsOnceDifferentiable));
        Hand(_function.Backward(Context, gradOutput), gradInputs);
    }
}
