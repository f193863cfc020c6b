namespace Backprop;

/// <summary>
/// The graph node of one <see cref="Function"/> application: the engine calls its backward like any operator's, and
/// it hands the gradient to the user's backward, checking what comes back before the engine reduces and accumulates it.
/// </summary>
internal sealed class FunctionNode : Node
{
    private readonly Function _function;
    private readonly FunctionContext _context;

    private FunctionNode(Function function, FunctionContext context) => (_function, _context) = (function, context);

    public override string Name => _function.Name;

    public static Tensor Record(Tensor output, Function function, FunctionContext context, Tensor[] inputs)
    {
        var node = new FunctionNode(function, context);
        context.Attach(node);
        return Record(output, node, inputs);
    }

    // The same release and in-place checks as a built-in operator's saved values.
    internal Tensor ReadSaved(Tensor? value) => Saved(IsReleased ? null : value);

    internal override void Backward(Tensor gradOutput, Span<Tensor?> gradInputs)
    {
        var inputs = InputArray;
        var grads = _function.Backward(_context, gradOutput)
            ?? throw new InvalidOperationException($"{Name}: Backward returned null; it must return one gradient (or null) per input ({inputs.Length})");
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

    protected override void ReleaseSaved() => _context.Release();
}
