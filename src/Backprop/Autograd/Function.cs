namespace Backprop;

/// <summary>
/// A differentiable operation defined outside the library (the role of PyTorch's <c>torch.autograd.Function</c>): a
/// forward that computes the output and saves what the backward needs, and a backward that turns the gradient
/// arriving at the output into one gradient per input. <see cref="Apply"/> runs it and records it in the graph, where
/// the engine treats it exactly as a built-in operator: it reduces a returned gradient over the axes its input was
/// broadcast along, converts its dtype and sums it into the input, checks it in anomaly mode, and a saved tensor
/// modified in place before the backward is refused.
/// </summary>
/// <remarks>
/// <para>
/// Both methods run with gradient recording off, so they compute with ordinary <see cref="Tensor"/> operations (or
/// with the values directly) and no graph is built inside them — except the backward of a pass that creates the graph
/// (<c>Backward(createGraph: true)</c>, <c>Autograd.Grad(..., createGraph: true)</c>): it runs with recording on, so
/// its Tensor operations are recorded and the gradient it returns can be differentiated again (Hessians, gradient
/// penalties). That second derivative is right only if the backward is itself differentiable: computed with Tensor
/// operations from the gradient and the saved tensors (inputs and the output, which stay connected to the graph) —
/// not from raw values, nor from an intermediate computed in the forward (made without recording, it is a constant
/// there). For a backward that is not, override <see cref="IsOnceDifferentiable"/> to return true: such a pass is then
/// refused with a clear <see cref="NotSupportedException"/>.
/// </para>
/// <para>
/// One instance may be applied many times and from several threads at once: keep what belongs to one application in
/// its <see cref="FunctionContext"/>, and only settings (such as a smoothing width) in the instance's fields.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// sealed class Square : Function
/// {
///     protected override Tensor Forward(FunctionContext ctx, ReadOnlySpan&lt;Tensor&gt; inputs)
///     {
///         ctx.SaveForBackward(inputs[0]);
///         return inputs[0] * inputs[0];
///     }
///
///     protected override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput) =>
///         [gradOutput * 2 * ctx.SavedTensors[0]];
/// }
///
/// var y = new Square().Apply(x);
/// </code>
/// </example>
public abstract class Function
{
    /// <summary>The operation's name in error messages, anomaly reports and graph pictures; the class name by default.</summary>
    public virtual string Name => GetType().Name;

    /// <summary>
    /// Whether <see cref="Backward"/> may be differentiated only once (PyTorch's <c>once_differentiable</c>): true for a
    /// backward that is not written with Tensor operations on the gradient and the saved tensors (it reads raw values,
    /// or uses intermediates of the forward). A pass that creates the graph through the function is then refused with a
    /// <see cref="NotSupportedException"/> rather than handing back a gradient whose own derivative would be wrong.
    /// False by default: the backward is recorded in such a pass.
    /// </summary>
    public virtual bool IsOnceDifferentiable => false;

    /// <summary>
    /// Computes the output from <paramref name="inputs"/> (in <see cref="Apply"/>'s argument order), with gradient
    /// recording off. Save the tensors the backward needs with <see cref="FunctionContext.SaveForBackward"/>.
    /// </summary>
    protected internal abstract Tensor Forward(FunctionContext ctx, ReadOnlySpan<Tensor> inputs);

    /// <summary>
    /// Returns the gradient of the loss with respect to each input, given <paramref name="gradOutput"/>, its gradient
    /// with respect to the output (of the output's shape): one entry per input, null where an input needs none (see
    /// <see cref="FunctionContext.NeedsInputGradient"/>). An entry may have the output's broadcast shape; the engine sums
    /// it down to the input's shape. Runs with gradient recording off, except in a pass that creates the graph, where it
    /// is recorded (see the remarks on <see cref="Function"/>).
    /// </summary>
    protected internal abstract Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput);

    /// <summary>
    /// Runs <see cref="Forward"/> on <paramref name="inputs"/> and, when recording is on and some input requires a
    /// gradient, records the operation on the output so that <see cref="Tensor.Backward(Tensor?, bool?, bool)"/> reaches
    /// <see cref="Backward"/>. An integer output is never recorded (it carries no gradient).
    /// </summary>
    /// <exception cref="ArgumentException">An input is null, or <see cref="Forward"/> returned null.</exception>
    public Tensor Apply(params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i] is null) throw new ArgumentException($"{Name}: input {i} is null", nameof(inputs));
        var captured = (Tensor[])inputs.Clone(); // the caller may reuse its array; the node keeps its own
        bool record = Autograd.ShouldRecord(captured);
        var ctx = new FunctionContext(captured, record);
        Tensor output;
        using (Autograd.NoGrad())
            output = Forward(ctx, captured) ?? throw new ArgumentException($"{Name}: Forward returned null; it must return the output tensor");
        if (!record || !output.DType.IsFloatingPoint()) return output;
        // An input handed back as it is (an identity) must not become the node's output: that would overwrite the
        // input's own place in the graph. A view sharing its values takes that place instead.
        if (output.RequiresGrad || Array.IndexOf(captured, output) >= 0) output = output.Detach();
        return FunctionNode.Record(output, this, ctx, captured);
    }
}
