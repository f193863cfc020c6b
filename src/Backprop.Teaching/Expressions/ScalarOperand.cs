using Backprop.Ops;

namespace Backprop.Teaching.Expressions;

/// <summary>
/// The constant a recorded scalar operator holds (the 2 of g·2 in a backward rule): it is part of the computation but
/// not a tensor input, so a picture of the graph would otherwise show "mul" with one operand.
/// </summary>
internal static class ScalarOperand
{
    /// <summary>The constant and whether it is the first operand (s − x, s / x), or null for an operator without one.</summary>
    public static (double Value, bool First)? Of(Node node) => node switch
    {
        MultiplyScalarOp op => (op.Scalar, false),
        AddScalarOp op => (op.Scalar, false),
        SubtractScalarOp op => (op.Scalar, false),
        ScalarSubtractOp op => (op.Scalar, true),
        DivideScalarOp op => (op.Scalar, false),
        ScalarDivideOp op => (op.Scalar, true),
        PowScalarOp op => (op.Exponent, false),
        ExtremumScalarOp op => (op.Scalar, false),
        _ => null,
    };
}
