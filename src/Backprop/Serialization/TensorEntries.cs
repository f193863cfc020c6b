namespace Backprop.Serialization;

/// <summary>
/// Tensors to safetensors entries and back, as PyTorch stores a state dict: float32 as F32, float64 as F64, int32
/// buffers as I64 (PyTorch's <c>num_batches_tracked</c> is int64); I32 and I64 read back as int32.
/// </summary>
internal static class TensorEntries
{
    public static SafeTensorsEntry ToEntry(string name, Tensor tensor) => tensor.DType switch
    {
        DType.Float32 => SafeTensorsEntry.FromFloats(name, tensor.ShapeArray, tensor.AsSpan<float>()),
        DType.Float64 => SafeTensorsEntry.FromDoubles(name, tensor.ShapeArray, tensor.AsSpan<double>()),
        _ => SafeTensorsEntry.FromInt64s(name, tensor.ShapeArray, Array.ConvertAll(tensor.ToArray<int>(), v => (long)v)),
    };

    /// <exception cref="InvalidDataException">The entry's dtype is not one a tensor holds, or an integer overflows int32.</exception>
    public static Tensor ToTensor(SafeTensorsEntry entry, string source)
    {
        // Built directly rather than through FromArray, which reads an empty shape as "1-d": 0-d entries must stay 0-d.
        var shape = entry.Shape;
        return entry.DType switch
        {
            SafeTensorsDType.F32 => new Tensor(entry.ToFloatArray(), shape, DType.Float32),
            SafeTensorsDType.F64 => new Tensor(entry.ToDoubleArray(), shape, DType.Float64),
            SafeTensorsDType.I32 => new Tensor(entry.ToInt32Array(), shape, DType.Int32),
            SafeTensorsDType.I64 => new Tensor(NarrowToInt32(entry, source), shape, DType.Int32),
            _ => throw new InvalidDataException($"{source}: entry {entry.Name} has dtype {entry.DType}; expected F32, F64, I32 or I64"),
        };
    }

    // Int buffers are held as int32 (a step count); a saved value outside that range is corruption, not a number to wrap.
    private static int[] NarrowToInt32(SafeTensorsEntry entry, string source)
    {
        long[] wide = entry.ToInt64Array();
        var narrow = new int[wide.Length];
        for (int i = 0; i < wide.Length; i++)
        {
            if (wide[i] < int.MinValue || wide[i] > int.MaxValue)
                throw new InvalidDataException($"{source}: entry {entry.Name} holds {wide[i]} at element {i}, outside the int32 range of its buffer (is the file corrupt?)");
            narrow[i] = (int)wide[i];
        }
        return narrow;
    }
}
