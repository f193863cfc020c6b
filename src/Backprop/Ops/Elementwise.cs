using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// Runs an element-wise function (an operator struct of <see cref="Kernels"/>) over tensors of any floating-point
/// dtype: the forward computations of the element-wise operators and their fused local gradients.
/// </summary>
internal static class Elementwise
{
    public static void RequireFloat(string op, Tensor x)
    {
        if (!x.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a float32 or float64 tensor, got {x.DType.Name()} of shape {Shapes.Format(x.ShapeArray)}");
    }

    /// <summary>f(x), a new contiguous tensor of x's shape and dtype.</summary>
    public static Tensor Unary<TF>(string op, Tensor x, TF f) where TF : struct, IUnaryFunction
    {
        RequireFloat(op, x);
        var action = new MapAction<TF> { F = f, X = x.ContiguousData(), Y = Uninitialized(x.ShapeArray, x.DType) };
        DTypeDispatch.Run(x.DType, ref action);
        return action.Y;
    }

    /// <summary>y ← f(y) for a contiguous tensor an operator has just made (its own output, before anyone else sees it).</summary>
    public static void MapInPlace<TF>(Tensor y, TF f) where TF : struct, IUnaryFunction
    {
        if (!y.IsContiguous) throw new InvalidOperationException("internal: an in-place map needs a contiguous tensor");
        var action = new MapAction<TF> { F = f, X = y, Y = y };
        DTypeDispatch.Run(y.DType, ref action);
    }

    /// <summary>
    /// y ← f(y) for a contiguous tensor an operator has just made, as <see cref="MapInPlace"/>, and the slope f′ of
    /// its old values in a new tensor of its shape (what the operator keeps for its backward), one pass.
    /// </summary>
    public static Tensor MapWithSlopeInPlace<TF>(Tensor y, TF f) where TF : struct, IValueAndSlope
    {
        if (!y.IsContiguous) throw new InvalidOperationException("internal: an in-place map needs a contiguous tensor");
        var action = new MapWithSlopeAction<TF> { F = f, Y = y, Slope = Uninitialized(y.ShapeArray, y.DType) };
        DTypeDispatch.Run(y.DType, ref action);
        return action.Slope;
    }

    /// <summary>f(a, b) with broadcasting, in the promoted dtype.</summary>
    public static Tensor Binary<TF>(string op, Tensor a, Tensor b, TF f) where TF : struct, IBinaryFunction
    {
        RequireFloat(op, a);
        RequireFloat(op, b);
        var dtype = DTypeInfo.Promote(a.DType, b.DType);
        a = a.CastData(dtype);
        b = b.CastData(dtype);
        // The common case (and all of scalar arithmetic) needs no broadcasting arithmetic at all.
        bool sameShape = a.IsContiguous && b.IsContiguous && Shapes.Equal(a.ShapeArray, b.ShapeArray);
        var shape = sameShape ? a.ShapeArray : Shapes.Broadcast(op, a.ShapeArray, b.ShapeArray);
        var action = new ZipAction<TF> { F = f, A = a, B = b, Y = Uninitialized(shape, dtype), SameShape = sameShape };
        DTypeDispatch.Run(dtype, ref action);
        return action.Y;
    }

    /// <summary>f(x, s) — or f(s, x) when <paramref name="scalarFirst"/> — for a constant s, keeping x's dtype.</summary>
    public static Tensor WithScalar<TF>(string op, Tensor x, double s, TF f, bool scalarFirst = false) where TF : struct, IBinaryFunction
    {
        RequireFloat(op, x);
        var action = new ZipScalarAction<TF> { F = f, X = x.ContiguousData(), S = s, ScalarFirst = scalarFirst, Y = Uninitialized(x.ShapeArray, x.DType) };
        DTypeDispatch.Run(x.DType, ref action);
        return action.Y;
    }

    /// <summary>g ⊙ local(saved) for an element-wise operator's backward, in one fused pass.</summary>
    public static Tensor Gradient<TG>(Tensor g, Tensor saved, TG f) where TG : struct, ILocalGradient
    {
        var gc = g.CastData(saved.DType).ContiguousData();
        if (!Shapes.Equal(gc.ShapeArray, saved.ShapeArray)) throw new InvalidOperationException("internal: gradient shape differs from the saved value's");
        var action = new GradientAction<TG> { F = f, G = gc, S = saved.ContiguousData(), D = Uninitialized(saved.ShapeArray, saved.DType) };
        DTypeDispatch.Run(saved.DType, ref action);
        return action.D;
    }

    private static Tensor Uninitialized(int[] shape, DType dtype) => new(Storage.Uninitialized(dtype, Shapes.Numel(shape)), shape, dtype);

    private struct MapAction<TF> : IDTypeAction where TF : struct, IUnaryFunction
    {
        public TF F;
        public Tensor X, Y;
        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
            ElementwiseKernel.Map(F, X.Span<T>(), Y.Span<T>());
    }

    private struct MapWithSlopeAction<TF> : IDTypeAction where TF : struct, IValueAndSlope
    {
        public TF F;
        public Tensor Y, Slope;
        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
            ElementwiseKernel.MapWithSlope(F, Y.Span<T>(), Slope.Span<T>());
    }

    private struct ZipAction<TF> : IDTypeAction where TF : struct, IBinaryFunction
    {
        public TF F;
        public Tensor A, B, Y;
        public bool SameShape;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            if (!SameShape)
            {
                var shape = Y.ShapeArray;
                var sa = Shapes.BroadcastStrides(A.ShapeArray, A.StridesArray, shape);
                var sb = Shapes.BroadcastStrides(B.ShapeArray, B.StridesArray, shape);
                BinaryKernel.Apply(F, A.Array<T>(), A.Offset, sa, B.Array<T>(), B.Offset, sb, Y.Array<T>(), shape);
            }
            else if (Y.Numel == 1) Y.Array<T>()[0] = F.Invoke(A.Array<T>()[A.Offset], B.Array<T>()[B.Offset]);
            else ElementwiseKernel.Zip(F, A.Span<T>(), B.Span<T>(), Y.Span<T>());
        }
    }

    private struct ZipScalarAction<TF> : IDTypeAction where TF : struct, IBinaryFunction
    {
        public TF F;
        public Tensor X, Y;
        public double S;
        public bool ScalarFirst;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var x = X.Span<T>();
            var y = Y.Span<T>();
            T s = T.CreateTruncating(S);
            if (x.Length == 1) y[0] = ScalarFirst ? F.Invoke(s, x[0]) : F.Invoke(x[0], s);
            else ElementwiseKernel.Zip(F, x, s, ScalarFirst, y);
        }
    }

    private struct GradientAction<TG> : IDTypeAction where TG : struct, ILocalGradient
    {
        public TG F;
        public Tensor G, S, D;
        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
            ElementwiseKernel.Gradient(F, G.Span<T>(), S.Span<T>(), D.Span<T>());
    }
}
