namespace Backprop;

/// <summary>The one place tensor buffers are created: from the pool inside a <see cref="TensorScope"/>, else new.</summary>
internal static class Storage
{
    /// <summary>A buffer whose every element the caller will overwrite.</summary>
    public static Array Uninitialized(DType dtype, int count) => TensorScope.TryRent(dtype, count) ?? NewUninitialized(dtype, count);

    public static Array Zeroed(DType dtype, int count)
    {
        var pooled = TensorScope.TryRent(dtype, count);
        if (pooled is null) return NewZeroed(dtype, count);
        System.Array.Clear(pooled);
        return pooled;
    }

    /// <summary>A fresh buffer that belongs to no scope (for values that outlive one, such as leaf gradients).</summary>
    public static Array NewUninitialized(DType dtype, int count) => dtype switch
    {
        DType.Float32 => GC.AllocateUninitializedArray<float>(count),
        DType.Float64 => GC.AllocateUninitializedArray<double>(count),
        _ => GC.AllocateUninitializedArray<int>(count),
    };

    public static Array NewZeroed(DType dtype, int count) => dtype switch
    {
        DType.Float32 => new float[count],
        DType.Float64 => new double[count],
        _ => new int[count],
    };

    public static Tensor Empty(int[] shape, DType dtype) => new(Uninitialized(dtype, Shapes.Numel(shape)), shape, dtype);

    public static Tensor Zeros(int[] shape, DType dtype) => new(Zeroed(dtype, Shapes.Numel(shape)), shape, dtype);
}
