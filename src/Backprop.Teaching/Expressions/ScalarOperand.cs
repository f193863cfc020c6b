namespace Backprop.Teaching.Expressions;

/// <summary>
/// The constant a recorded multiply-by-a-number holds (the 2 of g·2 in sqrt's rule g / (2·√x)): it is part of the
/// computation but not a tensor input, so the graph would otherwise show "mul" with one operand.
/// </summary>
internal static class ScalarOperand
{
    /// <summary>
    /// The constant of a one-input "mul" and false (it is the second operand), or null for any other operator. It is
    /// read through the public API as the node's local gradient: ∂(x·s)/∂x = s, and 1·s is exact.
    /// </summary>
    public static (double Value, bool First)? Of(Node node)
    {
        if (node.Name != "mul" || node.Inputs.Count != 1 || node.IsReleased)
            return null;
        return node.InputGradients(Tensor.Scalar(1.0))[0] is { } local ? (local.Item(), false) : null;
    }
}
