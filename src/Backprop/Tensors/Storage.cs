namespace Backprop;

/// <summary>The one place tensor buffers are created, so pooling and uninitialised allocation stay a local decision.</summary>
internal static class Storage
{
    /// <summary>A buffer whose every element the caller will overwrite.</summary>
    public static Array Uninitialized(DType dtype, int count) => dtype switch
    {
        DType.Float32 => GC.AllocateUninitializedArray<float>(count),
        DType.Float64 => GC.AllocateUninitializedArray<double>(count),
        _ => GC.AllocateUninitializedArray<int>(count),
    };

    public static Array Zeroed(DType dtype, int count) => dtype switch
    {
        DType.Float32 => new float[count],
        DType.Float64 => new double[count],
        _ => new int[count],
    };

    public static Tensor Empty(int[] shape, DType dtype) => new(Uninitialized(dtype, Shapes.Numel(shape)), shape, dtype);

    public static Tensor Zeros(int[] shape, DType dtype) => new(Zeroed(dtype, Shapes.Numel(shape)), shape, dtype);
}
