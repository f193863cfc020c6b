namespace Backprop.ExtensionTests;

/// <summary>(x, y) → (r, θ): polar coordinates, a function with two outputs computed on the values directly.</summary>
public sealed class ToPolar : MultiOutputFunction
{
    protected override Tensor[] Forward(FunctionContext ctx, ReadOnlySpan<Tensor> inputs)
    {
        var (x, y) = (inputs[0].ToDoubleArray(), inputs[1].ToDoubleArray());
        var r = new double[x.Length];
        var theta = new double[x.Length];
        for (int i = 0; i < x.Length; i++) (r[i], theta[i]) = (Math.Sqrt(x[i] * x[i] + y[i] * y[i]), Math.Atan2(y[i], x[i]));
        var radius = Tensor.FromArray(r, inputs[0].Shape.ToArray());
        ctx.SaveForBackward(inputs[0], inputs[1], radius);
        return [radius, Tensor.FromArray(theta, inputs[0].Shape.ToArray())];
    }

    // ∂r/∂x = x/r, ∂r/∂y = y/r, ∂θ/∂x = −y/r², ∂θ/∂y = x/r².
    protected override Tensor?[] Backward(FunctionContext ctx, ReadOnlySpan<Tensor?> gradOutputs)
    {
        var (x, y, r) = (ctx.SavedTensors[0], ctx.SavedTensors[1], ctx.SavedTensors[2]);
        var (gr, gt) = (gradOutputs[0]!, gradOutputs[1]!);
        var r2 = r * r;
        return [gr * x / r - gt * y / r2, gr * y / r + gt * x / r2];
    }
}

/// <summary>A value and its integer arg-max: one differentiable output and one without a gradient.</summary>
public sealed class MaxWithIndex : MultiOutputFunction
{
    protected override Tensor[] Forward(FunctionContext ctx, ReadOnlySpan<Tensor> inputs)
    {
        var v = inputs[0].ToDoubleArray();
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        ctx.State = best;
        ctx.SaveForBackward(inputs[0]);
        return [Tensor.Scalar(v[best]), Tensor.FromArray([best], 1)];
    }

    protected override Tensor?[] Backward(FunctionContext ctx, ReadOnlySpan<Tensor?> gradOutputs)
    {
        Assert.Null(gradOutputs[1]); // the integer output carries none
        var grad = new double[ctx.InputShape(0)[0]];
        grad[(int)ctx.State!] = gradOutputs[0]!.Item();
        return [Tensor.FromArray(grad, grad.Length)];
    }
}

public class MultiOutputFunctionTests
{
    private static Tensor Normal(int[] shape, ulong seed) => Tensor.Normal(shape, 0, 1, new Generator(seed), DType.Float64);

    [Fact]
    public void Both_outputs_check_against_central_differences()
    {
        var check = GradCheck.Check(v =>
        {
            var polar = new ToPolar().Apply(v[0], v[1]);
            return Tensor.Stack([polar[0], polar[1]]);
        }, [Normal([2, 3], 1), Normal([2, 3], 2)]);
        Assert.True(check.Passed, check.ToString());
    }

    [Fact]
    public void An_output_the_loss_does_not_use_gets_zeros()
    {
        // Hand derivation at (3, 4): r = 5, ∂r/∂x = 0.6, ∂r/∂y = 0.8; θ is unused, so only r's gradient arrives.
        var x = Tensor.FromArray([3.0], 1);
        var y = Tensor.FromArray([4.0], 1);
        x.RequiresGrad = y.RequiresGrad = true;
        var polar = new ToPolar().Apply(x, y);
        Assert.Equal(5.0, polar[0].Item());
        Assert.Equal(Math.Atan2(4, 3), polar[1].Item());
        Assert.Equal([1], polar[1].Shape.ToArray());
        polar[0].Sum().Backward();
        Assert.Equal(0.6, x.Grad!.Item(), 15);
        Assert.Equal(0.8, y.Grad!.Item(), 15);
    }

    [Fact]
    public void An_integer_output_is_returned_as_is_without_a_gradient()
    {
        var v = Tensor.FromArray([1.0, 7.0, 3.0], 3);
        v.RequiresGrad = true;
        var outputs = new MaxWithIndex().Apply(v);
        Assert.Equal(DType.Int32, outputs[1].DType);
        Assert.False(outputs[1].RequiresGrad);
        Assert.Equal(1, outputs[1][0]);
        (outputs[0] * 2.0).Backward();
        Assert.Equal([0.0, 2.0, 0.0], v.Grad!.ToDoubleArray());
    }
}
