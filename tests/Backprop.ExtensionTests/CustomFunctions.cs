namespace Backprop.ExtensionTests;

/// <summary>
/// smooth_abs(x) = √(x² + β²) − β: |x| with a rounded corner of width β, differentiable everywhere.
/// d/dx = x / √(x² + β²), from the saved input and output.
/// </summary>
public sealed class SmoothAbs(double beta) : Function
{
    public double Beta { get; } = beta > 0 ? beta : throw new ArgumentOutOfRangeException(nameof(beta), beta, "SmoothAbs: β must be positive");

    protected override Tensor Forward(FunctionContext ctx, ReadOnlySpan<Tensor> inputs)
    {
        var x = inputs[0];
        var root = (x * x + Beta * Beta).Sqrt();
        ctx.SaveForBackward(x, root);
        return root - Beta;
    }

    protected override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput)
    {
        var saved = ctx.SavedTensors;
        return [gradOutput * saved[0] / saved[1]];
    }
}

/// <summary>
/// Rounding with a straight-through gradient (as in quantisation-aware training): the forward rounds, the backward
/// passes the gradient on unchanged, as if the operation were the identity.
/// </summary>
public sealed class StraightThroughRound : Function
{
    protected override Tensor Forward(FunctionContext ctx, ReadOnlySpan<Tensor> inputs)
    {
        // Computed on the values directly: a forward may use any code, not only tensor operations.
        var values = inputs[0].ToDoubleArray();
        for (int i = 0; i < values.Length; i++) values[i] = Math.Round(values[i], MidpointRounding.ToEven);
        return Tensor.FromArray(values, inputs[0].Shape.ToArray()).To(inputs[0].DType);
    }

    protected override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput) => [gradOutput];
}

/// <summary>
/// hypot(a, b) = √(a² + b²) with broadcasting: ∂/∂a = a / h, ∂/∂b = b / h, returned in the output's shape; the engine
/// sums each down to its input's shape (so b of shape [1, n] or [n] gets the column sums).
/// </summary>
public sealed class Hypot : Function
{
    protected override Tensor Forward(FunctionContext ctx, ReadOnlySpan<Tensor> inputs)
    {
        var (a, b) = (inputs[0], inputs[1]);
        var h = (a * a + b * b).Sqrt();
        ctx.SaveForBackward(a, b, h);
        return h;
    }

    protected override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput)
    {
        var s = ctx.SavedTensors;
        var scaled = gradOutput / s[2];
        return [ctx.NeedsInputGradient(0) ? scaled * s[0] : null, ctx.NeedsInputGradient(1) ? scaled * s[1] : null];
    }
}
