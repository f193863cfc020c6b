namespace Backprop.Ops;

/// <summary>
/// argmax and argmin along one axis (the index of the first extreme, kept as a size-1 axis), recorded inside a trace
/// (<see cref="Tracing"/>) only: an index has no gradient, but the exporter must see it computed from the input, not
/// as a constant of the traced batch.
/// </summary>
internal sealed class ArgExtremeOp : Node
{
    private bool _max;
    public override string Name => _max ? "argmax" : "argmin";

    /// <summary>The axis reduced, and whether it is argmax (read by the ONNX exporter).</summary>
    internal int Axis { get; private init; }

    internal bool IsMax => _max;

    public static Tensor Trace(Tensor index, Tensor x, int axis, bool max) =>
        Tracing.IsOn ? Record(index, new ArgExtremeOp { _max = max, Axis = axis }, x) : index;

    internal override void Backward(Tensor g, Span<Tensor?> dx) { }
}
