namespace Backprop.Onnx;

// Element-wise arithmetic, activations and casts.
internal static partial class OnnxOperators
{
    /// <summary>
    /// A binary operator with numpy broadcasting. Backprop's arithmetic is floating-point; integer operands (ONNX
    /// allows them for shape arithmetic) are computed in float64, exact for int32, and truncated back to int32.
    /// </summary>
    private static Tensor Binary(OnnxNodeContext c, Func<Tensor, Tensor, Tensor> op) => Integral(op, c.Input(0), c.Input(1));

    private static Tensor Integral(Func<Tensor, Tensor, Tensor> op, Tensor a, Tensor b) =>
        a.DType == DType.Int32 && b.DType == DType.Int32
            ? op(a.To(DType.Float64), b.To(DType.Float64)).To(DType.Int32)
            : op(a, b);

    private static Tensor Unary(OnnxNodeContext c, Func<Tensor, Tensor> op)
    {
        var x = c.Input(0);
        return x.DType == DType.Int32 ? op(x.To(DType.Float64)).To(DType.Int32) : op(x);
    }

    /// <summary>Sum, Max, Min and Mean over any number of inputs, broadcasting.</summary>
    private static Tensor Variadic(OnnxNodeContext c, Func<Tensor, Tensor, Tensor> op)
    {
        if (c.InputCount == 0) throw c.Error("expected at least one input");
        var result = c.Input(0);
        for (int i = 1; i < c.InputCount; i++) result = Integral(op, result, c.Input(i));
        return result;
    }

    // The result has the base's type; an exponent of another type is converted to it.
    private static Tensor Pow(OnnxNodeContext c)
    {
        Tensor x = c.Input(0), y = c.Input(1);
        if (x.DType == DType.Int32) return x.To(DType.Float64).Pow(y.To(DType.Float64)).To(DType.Int32);
        return x.Pow(y.DType == x.DType ? y : y.To(x.DType));
    }

    private static Tensor Clip(OnnxNodeContext c)
    {
        var x = c.Input(0);
        double min, max;
        if (c.Opset < 11)
        {
            min = c.Float("min", float.NegativeInfinity);
            max = c.Float("max", float.PositiveInfinity);
        }
        else
        {
            min = c.OptionalScalar(1) ?? double.NegativeInfinity;
            max = c.OptionalScalar(2) ?? double.PositiveInfinity;
        }
        // ONNX clips to max after min, so min > max gives max everywhere (Clamp would reject it).
        if (min > max) return Tensor.FullLike(x, max);
        return x.DType == DType.Int32 ? x.To(DType.Float64).Clamp(min, max).To(DType.Int32) : x.Clamp(min, max);
    }

    private static Tensor Where(OnnxNodeContext c)
    {
        Tensor condition = c.Input(0), a = c.Input(1), b = c.Input(2);
        return a.DType == DType.Int32 && b.DType == DType.Int32
            ? Tensor.Where(condition, a.To(DType.Float64), b.To(DType.Float64)).To(DType.Int32)
            : Tensor.Where(condition, a, b);
    }

    // Inference only: the output is the input and the mask is all true. Training-mode dropout draws random numbers
    // that no other runtime reproduces.
    private static Tensor?[] Dropout(OnnxNodeContext c)
    {
        var x = c.Input(0);
        bool training = c.Opset >= 12 ? c.OptionalScalar(2) is { } t && t != 0 : false;
        double ratio = c.Opset >= 12 ? c.OptionalScalar(1) ?? 0.5 : c.Float("ratio", 0.5f);
        if (training && ratio > 0) throw c.Unsupported("Dropout with training_mode true (random masks)");
        return [x, c.WantsOutput(1) ? Tensor.Full(x.ShapeArray, 1, DType.Int32) : null];
    }

    private static Tensor LeakyRelu(Tensor x, double alpha) => Tensor.Where(x.Lt(0), x * alpha, x);

    private static Tensor PRelu(OnnxNodeContext c)
    {
        Tensor x = c.Input(0), slope = c.Input(1);
        // Files from before numpy broadcasting give one slope per channel as [C].
        if (slope.Rank == 1 && x.Rank > 2 && slope.Numel == x.ShapeArray[1] && slope.Numel != x.ShapeArray[^1]) slope = PerChannel(slope, x.Rank);
        return Tensor.Where(x.Lt(0), x * slope, x);
    }

    private static Tensor Elu(Tensor x, double alpha) => Tensor.Where(x.Gt(0), x, (x.Exp() - 1) * alpha);

    private static Tensor Celu(OnnxNodeContext c)
    {
        var x = c.Input(0);
        double alpha = c.Float("alpha", 1f);
        return x.Relu() + ((x / alpha).Exp() - 1).Minimum(0) * alpha;
    }

    private static Tensor ThresholdedRelu(OnnxNodeContext c)
    {
        var x = c.Input(0);
        return Tensor.Where(x.Gt(c.Float("alpha", 1f)), x, Tensor.ZerosLike(x));
    }

    /// <summary>Cast to an ONNX element type: float, double, or an integer or bool type (all int32 in Backprop).</summary>
    private static Tensor Cast(Tensor x, long to, OnnxNodeContext c) => to switch
    {
        1 => x.To(DType.Float32),                            // FLOAT
        11 => x.To(DType.Float64),                           // DOUBLE
        9 => x.Ne(0),                                        // BOOL
        2 or 3 or 4 or 5 or 6 or 7 or 12 or 13 => x.To(DType.Int32), // UINT8 INT8 UINT16 INT16 INT32 INT64 UINT32 UINT64
        _ => throw c.Unsupported($"Cast to element type {(Protobuf.TensorProto.Types.DataType)to} (Backprop has float32, float64 and int32)"),
    };

    private static Tensor Shrink(OnnxNodeContext c)
    {
        var x = c.Input(0);
        double lambd = c.Float("lambd", 0.5f), bias = c.Float("bias", 0f);
        var t = x.DType == DType.Int32 ? x.To(DType.Float64) : x;
        var y = Tensor.Where(t.Lt(-lambd), t + bias, Tensor.Where(t.Gt(lambd), t - bias, Tensor.ZerosLike(t)));
        return x.DType == DType.Int32 ? y.To(DType.Int32) : y;
    }

    // 1 at the first maximum along the axis, 0 elsewhere (flattened to 2-D at the axis before opset 13, as Softmax).
    private static Tensor Hardmax(OnnxNodeContext c)
    {
        var x = c.Input(0);
        if (c.Opset >= 13) return OneAtMaximum(x, c.Axis(c.Int("axis", -1), x.Rank));
        int at = c.Axis(c.Int("axis", 1), x.Rank);
        int outer = 1;
        for (int d = 0; d < at; d++) outer *= x.ShapeArray[d];
        return OneAtMaximum(x.Reshape(outer, outer == 0 ? 0 : x.Numel / Math.Max(outer, 1)), 1).Reshape(x.ShapeArray);
    }

    private static Tensor OneAtMaximum(Tensor x, int axis)
    {
        var index = x.ArgMax(axis, keepDim: true);
        return index.Eq(Positions(x.ShapeArray[axis], axis, x.Rank)).To(x.DType);
    }

    // 0, 1, ..., size − 1 laid along <paramref name="axis"/> of a tensor of rank <paramref name="rank"/>, for comparisons.
    private static Tensor Positions(int size, int axis, int rank)
    {
        var shape = Enumerable.Repeat(1, rank).ToArray();
        shape[axis] = size;
        return Tensor.FromArray(Enumerable.Range(0, size).ToArray(), size).Reshape(shape);
    }
}
