using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>Runs the element-wise kernels for a tensor's dtype: the forward computations of the element-wise operators.</summary>
internal static class Elementwise
{
    public static void RequireFloat(string op, Tensor x)
    {
        if (!x.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a float32 or float64 tensor, got {x.DType.Name()} of shape {Shapes.Format(x.ShapeArray)}");
    }

    public static Tensor Unary(string op, Tensor x, UnaryFunction f)
    {
        RequireFloat(op, x);
        var c = x.ContiguousData();
        var y = new Tensor(Storage.Uninitialized(x.DType, x.Numel), x.ShapeArray, x.DType);
        if (x.DType == DType.Float32) UnaryKernel.Apply(f, c.Span<float>(), y.Span<float>());
        else UnaryKernel.Apply(f, c.Span<double>(), y.Span<double>());
        return y;
    }

    public static Tensor Binary(string op, Tensor a, Tensor b, BinaryFunction f)
    {
        RequireFloat(op, a);
        RequireFloat(op, b);
        var dtype = DTypeInfo.Promote(a.DType, b.DType);
        a = a.CastData(dtype);
        b = b.CastData(dtype);
        if (a.IsContiguous && b.IsContiguous && Shapes.Equal(a.ShapeArray, b.ShapeArray)) return SameShape(a, b, f, dtype);
        var shape = Shapes.Broadcast(op, a.ShapeArray, b.ShapeArray);
        var y = new Tensor(Storage.Uninitialized(dtype, Shapes.Numel(shape)), shape, dtype);
        var sa = Shapes.BroadcastStrides(a.ShapeArray, a.StridesArray, shape);
        var sb = Shapes.BroadcastStrides(b.ShapeArray, b.StridesArray, shape);
        if (dtype == DType.Float32)
            BinaryKernel.Apply(f, a.Array<float>(), a.Offset, sa, b.Array<float>(), b.Offset, sb, y.Span<float>(), shape);
        else
            BinaryKernel.Apply(f, a.Array<double>(), a.Offset, sa, b.Array<double>(), b.Offset, sb, y.Span<double>(), shape);
        return y;
    }

    /// <summary>f(x, s) — or f(s, x) when <paramref name="scalarFirst"/> — for a constant s, keeping x's dtype.</summary>
    public static Tensor WithScalar(string op, Tensor x, double s, BinaryFunction f, bool scalarFirst = false)
    {
        RequireFloat(op, x);
        var c = x.ContiguousData();
        var y = new Tensor(Storage.Uninitialized(x.DType, x.Numel), x.ShapeArray, x.DType);
        if (x.DType == DType.Float32) Apply(f, c.Span<float>(), (float)s, y.Span<float>(), scalarFirst);
        else Apply(f, c.Span<double>(), s, y.Span<double>(), scalarFirst);
        return y;
    }

    private static void Apply<T>(BinaryFunction f, ReadOnlySpan<T> x, T s, Span<T> y, bool scalarFirst)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (x.Length == 1) y[0] = scalarFirst ? BinaryKernel.Scalar(f, s, x[0]) : BinaryKernel.Scalar(f, x[0], s);
        else if (scalarFirst) BinaryKernel.ScalarSpan(f, s, x, y);
        else BinaryKernel.SpanScalar(f, x, s, y);
    }

    /// <summary>A mask computed from one tensor by a <see cref="MaskKernel"/> function.</summary>
    public static Tensor Mask(Tensor x, Action<ReadOnlySpan<float>, Span<float>> f32, Action<ReadOnlySpan<double>, Span<double>> f64)
    {
        var c = x.ContiguousData();
        var m = new Tensor(Storage.Uninitialized(x.DType, x.Numel), x.ShapeArray, x.DType);
        if (x.DType == DType.Float32) f32(c.Span<float>(), m.Span<float>());
        else f64(c.Span<double>(), m.Span<double>());
        return m;
    }

    // The common case (and all of scalar arithmetic) needs no broadcasting arithmetic at all.
    private static Tensor SameShape(Tensor a, Tensor b, BinaryFunction f, DType dtype)
    {
        var y = new Tensor(Storage.Uninitialized(dtype, a.Numel), a.ShapeArray, dtype);
        if (dtype == DType.Float32)
        {
            if (a.Numel == 1) y.Array<float>()[0] = BinaryKernel.Scalar(f, a.Array<float>()[a.Offset], b.Array<float>()[b.Offset]);
            else BinaryKernel.SpanSpan(f, a.Span<float>(), b.Span<float>(), y.Span<float>());
        }
        else
        {
            if (a.Numel == 1) y.Array<double>()[0] = BinaryKernel.Scalar(f, a.Array<double>()[a.Offset], b.Array<double>()[b.Offset]);
            else BinaryKernel.SpanSpan(f, a.Span<double>(), b.Span<double>(), y.Span<double>());
        }
        return y;
    }

    /// <summary>g ⊙ local(saved) for an element-wise operator's backward, in one fused pass.</summary>
    public static Tensor Gradient(Tensor g, Tensor saved, GradientFunction f)
    {
        var gc = g.CastData(saved.DType).ContiguousData();
        var s = saved.ContiguousData();
        var d = new Tensor(Storage.Uninitialized(saved.DType, saved.Numel), saved.ShapeArray, saved.DType);
        if (!Shapes.Equal(gc.ShapeArray, s.ShapeArray)) throw new InvalidOperationException("internal: gradient shape differs from the saved value's");
        if (saved.DType == DType.Float32) GradientKernel.Apply(f, gc.Span<float>(), s.Span<float>(), d.Span<float>());
        else GradientKernel.Apply(f, gc.Span<double>(), s.Span<double>(), d.Span<double>());
        return d;
    }
}
