using System.Numerics;
using System.Numerics.Tensors;
using Backprop.Kernels;

namespace Backprop;

// Non-recording building blocks the operators are made of: views and copies that never touch the graph.
public sealed partial class Tensor
{
    /// <summary>This tensor if contiguous, else a contiguous copy (not recorded).</summary>
    internal Tensor ContiguousData() => IsContiguous ? this : CopyData();

    /// <summary>A contiguous copy (not recorded).</summary>
    internal Tensor CopyData()
    {
        var gather = new GatherAction { Source = this, Result = new Tensor(Storage.Uninitialized(DType, _numel), ShapeArray, DType) };
        DTypeDispatch.RunAny(DType, ref gather);
        return gather.Result;
    }

    private struct GatherAction : IAnyDTypeAction
    {
        public Tensor Source, Result;

        public readonly void Invoke<T>() where T : unmanaged =>
            StridedLayout.Gather(Source.Array<T>(), Source.Offset, Source.ShapeArray, Source.StridesArray, Result.Span<T>());
    }

    /// <summary>The values converted to <paramref name="dtype"/> (this tensor when it already is; not recorded).</summary>
    internal Tensor CastData(DType dtype)
    {
        if (dtype == DType) return this;
        var c = ContiguousData();
        var y = new Tensor(Storage.Uninitialized(dtype, _numel), ShapeArray, dtype);
        switch ((DType, dtype))
        {
            case (DType.Float32, DType.Float64): TensorPrimitives.ConvertChecked<float, double>(c.Span<float>(), y.Span<double>()); break;
            case (DType.Float64, DType.Float32): TensorPrimitives.ConvertTruncating<double, float>(c.Span<double>(), y.Span<float>()); break;
            case (DType.Int32, DType.Float32): TensorPrimitives.ConvertChecked<int, float>(c.Span<int>(), y.Span<float>()); break;
            case (DType.Int32, DType.Float64): TensorPrimitives.ConvertChecked<int, double>(c.Span<int>(), y.Span<double>()); break;
            case (DType.Float32, DType.Int32): TensorPrimitives.ConvertTruncating<float, int>(c.Span<float>(), y.Span<int>()); break;
            default: TensorPrimitives.ConvertTruncating<double, int>(c.Span<double>(), y.Span<int>()); break;
        }
        return y;
    }

    /// <summary>A view of a contiguous tensor in another shape of the same element count (not recorded).</summary>
    internal Tensor ViewData(int[] shape)
    {
        if (!IsContiguous) throw new InvalidOperationException("internal: ViewData of a non-contiguous tensor");
        return View(Offset, shape, Shapes.ContiguousStrides(shape));
    }

    /// <summary>A broadcast view with stride 0 on expanded axes (not recorded).</summary>
    internal Tensor ExpandData(int[] shape)
    {
        if (Shapes.Equal(shape, ShapeArray)) return this;
        return View(Offset, shape, Shapes.BroadcastStrides(ShapeArray, StridesArray, shape));
    }

    /// <summary>A view with the axes reordered (not recorded).</summary>
    internal Tensor PermuteData(int[] order)
    {
        var shape = new int[order.Length];
        var strides = new int[order.Length];
        for (int i = 0; i < order.Length; i++)
        {
            shape[i] = ShapeArray[order[i]];
            strides[i] = StridesArray[order[i]];
        }
        return View(Offset, shape, strides);
    }

    /// <summary>A view of <paramref name="length"/> elements from <paramref name="start"/> along an axis (not recorded).</summary>
    internal Tensor SliceData(int axis, int start, int length)
    {
        var shape = (int[])ShapeArray.Clone();
        shape[axis] = length;
        return View(Offset + start * StridesArray[axis], shape, StridesArray);
    }

    /// <summary>Adds <paramref name="other"/> (same shape) into this contiguous tensor's storage (not recorded).</summary>
    internal void AddInPlace(Tensor other)
    {
        var add = new AddScaledAction { Target = this, Other = other.CastData(DType).ContiguousData() };
        DTypeDispatch.Run(DType, ref add);
    }

    /// <summary>Multiplies this contiguous tensor's storage by <paramref name="factor"/> in place (not recorded, no version stamp).</summary>
    internal void ScaleInPlace(double factor)
    {
        var scale = new AddScaledAction { Target = this, Factor = factor };
        DTypeDispatch.Run(DType, ref scale);
    }

    // Target += Other, or Target *= Factor when there is no Other.
    private struct AddScaledAction : IDTypeAction
    {
        public Tensor Target;
        public Tensor? Other;
        public double Factor;

        public readonly void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            var t = Target.Span<T>();
            if (Other is not null) TensorPrimitives.Add(t, Other.Span<T>(), t);
            else TensorPrimitives.Multiply(t, T.CreateTruncating(Factor), t);
        }
    }

    /// <summary>
    /// Sums this tensor down to <paramref name="shape"/>, the inverse of broadcasting: leading axes are summed away,
    /// axes where the target has size 1 are summed keeping them. Used by the engine for every broadcast input.
    /// </summary>
    public Tensor SumTo(ReadOnlySpan<int> shape)
    {
        if (Shapes.Equal(shape, ShapeArray)) return this;
        int lead = Rank - shape.Length;
        if (lead < 0) throw new ArgumentException($"SumTo: cannot sum shape {Shapes.Format(ShapeArray)} to the larger rank of {Shapes.Format(shape)}");
        for (int i = lead; i < Rank; i++)
            if (shape[i - lead] != 1 && shape[i - lead] != ShapeArray[i])
                throw new ArgumentException($"SumTo: shape {Shapes.Format(ShapeArray)} does not broadcast to {Shapes.Format(shape)} (axis {i})");
        var t = this;
        for (int i = Rank - 1; i >= 0; i--)
        {
            bool leading = i < lead;
            if (leading || (shape[i - lead] == 1 && ShapeArray[i] != 1))
                t = Ops.SumOp.Apply(t, i, all: false);
        }
        return t.Reshape(shape.ToArray());
    }
}
