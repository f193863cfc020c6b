using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Serialization;

/// <summary>
/// One named tensor of a safetensors file at the level of raw data: a dtype name, a shape, and the elements as
/// little-endian bytes in row-major order. Independent of the library's Tensor type.
/// </summary>
/// <remarks>
/// Entries read from a file share one buffer holding the whole file (<see cref="Data"/> is a slice of it).
/// The typed accessors copy. An entry's <see cref="Data"/> is never modified by this library.
/// </remarks>
public sealed class SafeTensorsEntry
{
    private readonly int[] _shape;

    /// <summary>Creates an entry from raw little-endian bytes (not copied).</summary>
    /// <param name="name">The tensor's name (not empty, not "__metadata__").</param>
    /// <param name="dtype">A dtype name such as "F32" (see <see cref="SafeTensorsDType"/>).</param>
    /// <param name="shape">The dimensions; empty for a scalar.</param>
    /// <param name="data">Exactly product(shape) × size-of-dtype bytes.</param>
    /// <exception cref="ArgumentException">The name, dtype or shape is invalid, or the data has the wrong length.</exception>
    public SafeTensorsEntry(string name, string dtype, int[] shape, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(dtype);
        ArgumentNullException.ThrowIfNull(shape);
        if (name.Length == 0 || name == SafeTensorsFile.MetadataKey)
        {
            throw new ArgumentException($"'{name}' cannot be a tensor name: it must be non-empty and not '{SafeTensorsFile.MetadataKey}'.", nameof(name));
        }
        int elementSize = SafeTensorsDType.SizeOf(dtype);
        if (elementSize == 0)
        {
            throw new ArgumentException($"Tensor '{name}': unknown dtype '{dtype}'.", nameof(dtype));
        }
        long elementCount = 1;
        foreach (int dimension in shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"Tensor '{name}': shape [{string.Join(", ", shape)}] has a negative dimension.", nameof(shape));
            }
            elementCount = checked(elementCount * dimension);
        }
        if (data.Length != elementCount * elementSize)
        {
            throw new ArgumentException(
                $"Tensor '{name}': dtype {dtype} with shape [{string.Join(", ", shape)}] needs {elementCount * elementSize} bytes, but {data.Length} were given.", nameof(data));
        }
        Name = name;
        DType = dtype;
        _shape = (int[])shape.Clone();
        ElementCount = elementCount;
        Data = data;
    }

    /// <summary>The tensor's name, e.g. "layers.0.weight".</summary>
    public string Name { get; }

    /// <summary>The dtype name as written in the header, e.g. "F32".</summary>
    public string DType { get; }

    /// <summary>A copy of the dimensions (empty for a scalar).</summary>
    public int[] Shape => (int[])_shape.Clone();

    /// <summary>The number of elements: the product of the dimensions (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>The elements as little-endian bytes, row-major.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>An F32 entry holding a copy of <paramref name="values"/>.</summary>
    public static SafeTensorsEntry FromFloats(string name, int[] shape, ReadOnlySpan<float> values) =>
        new(name, SafeTensorsDType.F32, shape, ToLittleEndianBytes(values));

    /// <summary>An F64 entry holding a copy of <paramref name="values"/>.</summary>
    public static SafeTensorsEntry FromDoubles(string name, int[] shape, ReadOnlySpan<double> values) =>
        new(name, SafeTensorsDType.F64, shape, ToLittleEndianBytes(values));

    /// <summary>An I32 entry holding a copy of <paramref name="values"/>.</summary>
    public static SafeTensorsEntry FromInt32s(string name, int[] shape, ReadOnlySpan<int> values) =>
        new(name, SafeTensorsDType.I32, shape, ToLittleEndianBytes(values));

    /// <summary>An I64 entry holding a copy of <paramref name="values"/>.</summary>
    public static SafeTensorsEntry FromInt64s(string name, int[] shape, ReadOnlySpan<long> values) =>
        new(name, SafeTensorsDType.I64, shape, ToLittleEndianBytes(values));

    /// <summary>A U8 entry holding a copy of <paramref name="values"/>.</summary>
    public static SafeTensorsEntry FromBytes(string name, int[] shape, ReadOnlySpan<byte> values) =>
        new(name, SafeTensorsDType.U8, shape, values.ToArray());

    /// <summary>
    /// The elements as floats: F32 exactly; F64 rounded to nearest; F16, BF16 and integer dtypes converted
    /// (integers beyond 2²⁴ rounded); BOOL as 0 and 1.
    /// </summary>
    /// <exception cref="NotSupportedException">The dtype is an 8-bit float format.</exception>
    public float[] ToFloatArray()
    {
        var result = new float[ElementCount];
        ReadOnlySpan<byte> bytes = Data.Span;
        if (DType == SafeTensorsDType.F32)
        {
            CopyLittleEndian(bytes, result);
            return result;
        }
        EnsureNumeric(nameof(ToFloatArray));
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = (float)ElementAsDouble(bytes, i);
        }
        return result;
    }

    /// <summary>The elements as doubles: F64 exactly; every other numeric dtype converted (exactly, except I64/U64 beyond 2⁵³).</summary>
    /// <exception cref="NotSupportedException">The dtype is an 8-bit float format.</exception>
    public double[] ToDoubleArray()
    {
        var result = new double[ElementCount];
        ReadOnlySpan<byte> bytes = Data.Span;
        if (DType == SafeTensorsDType.F64)
        {
            CopyLittleEndian(bytes, result);
            return result;
        }
        EnsureNumeric(nameof(ToDoubleArray));
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = ElementAsDouble(bytes, i);
        }
        return result;
    }

    /// <summary>The elements as 32-bit integers, from any integer dtype or BOOL.</summary>
    /// <exception cref="InvalidOperationException">The dtype is a floating-point type.</exception>
    /// <exception cref="OverflowException">A value does not fit in an <see cref="int"/>.</exception>
    public int[] ToInt32Array()
    {
        var result = new int[ElementCount];
        ReadOnlySpan<byte> bytes = Data.Span;
        if (DType == SafeTensorsDType.I32)
        {
            CopyLittleEndian(bytes, result);
            return result;
        }
        EnsureInteger(nameof(ToInt32Array));
        for (int i = 0; i < result.Length; i++)
        {
            long value = ElementAsInt64(bytes, i);
            result[i] = value is >= int.MinValue and <= int.MaxValue
                ? (int)value
                : throw new OverflowException($"Tensor '{Name}': element {i} is {value}, which does not fit in a 32-bit integer.");
        }
        return result;
    }

    /// <summary>The elements as 64-bit integers, from any integer dtype or BOOL.</summary>
    /// <exception cref="InvalidOperationException">The dtype is a floating-point type.</exception>
    /// <exception cref="OverflowException">A U64 value exceeds <see cref="long.MaxValue"/>.</exception>
    public long[] ToInt64Array()
    {
        var result = new long[ElementCount];
        ReadOnlySpan<byte> bytes = Data.Span;
        EnsureInteger(nameof(ToInt64Array));
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = ElementAsInt64(bytes, i);
        }
        return result;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {DType}[{string.Join(", ", _shape)}]";

    private bool IsInteger => DType is SafeTensorsDType.I64 or SafeTensorsDType.I32 or SafeTensorsDType.I16 or SafeTensorsDType.I8
        or SafeTensorsDType.U64 or SafeTensorsDType.U32 or SafeTensorsDType.U16 or SafeTensorsDType.U8 or SafeTensorsDType.Bool;

    private void EnsureNumeric(string accessor)
    {
        if (DType is SafeTensorsDType.F8E4M3 or SafeTensorsDType.F8E5M2)
        {
            throw new NotSupportedException($"Tensor '{Name}': {accessor} cannot convert dtype {DType}; read its raw bytes from Data.");
        }
    }

    private void EnsureInteger(string accessor)
    {
        if (!IsInteger)
        {
            throw new InvalidOperationException($"Tensor '{Name}' has the floating-point dtype {DType}; {accessor} reads integer dtypes only.");
        }
    }

    private double ElementAsDouble(ReadOnlySpan<byte> bytes, int i) => DType switch
    {
        SafeTensorsDType.F64 => BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]),
        SafeTensorsDType.F32 => BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]),
        SafeTensorsDType.F16 => (double)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]),
        // bfloat16 is the upper half of a binary32, so widening is a shift.
        SafeTensorsDType.BF16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16),
        SafeTensorsDType.U64 => BinaryPrimitives.ReadUInt64LittleEndian(bytes[(8 * i)..]),
        _ => ElementAsInt64(bytes, i),
    };

    private long ElementAsInt64(ReadOnlySpan<byte> bytes, int i) => DType switch
    {
        SafeTensorsDType.I64 => BinaryPrimitives.ReadInt64LittleEndian(bytes[(8 * i)..]),
        SafeTensorsDType.I32 => BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]),
        SafeTensorsDType.I16 => BinaryPrimitives.ReadInt16LittleEndian(bytes[(2 * i)..]),
        SafeTensorsDType.I8 => (sbyte)bytes[i],
        SafeTensorsDType.U64 => BinaryPrimitives.ReadUInt64LittleEndian(bytes[(8 * i)..]) is var u && u <= long.MaxValue
            ? (long)u
            : throw new OverflowException($"Tensor '{Name}': element {i} exceeds the largest 64-bit signed integer."),
        SafeTensorsDType.U32 => BinaryPrimitives.ReadUInt32LittleEndian(bytes[(4 * i)..]),
        SafeTensorsDType.U16 => BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]),
        SafeTensorsDType.U8 or SafeTensorsDType.Bool => bytes[i],
        _ => throw new InvalidOperationException($"Tensor '{Name}': dtype {DType} is not an integer type."),
    };

    /// <summary>Copies little-endian elements into <paramref name="destination"/>, swapping bytes on a big-endian machine.</summary>
    private static void CopyLittleEndian<T>(ReadOnlySpan<byte> source, Span<T> destination) where T : unmanaged
    {
        Span<byte> target = MemoryMarshal.AsBytes(destination);
        source.CopyTo(target);
        if (!BitConverter.IsLittleEndian)
        {
            ReverseEachElement(target, Unsafe.SizeOf<T>());
        }
    }

    private static byte[] ToLittleEndianBytes<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        byte[] bytes = MemoryMarshal.AsBytes(values).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            ReverseEachElement(bytes, Unsafe.SizeOf<T>());
        }
        return bytes;
    }

    private static void ReverseEachElement(Span<byte> bytes, int elementSize)
    {
        for (int offset = 0; offset < bytes.Length; offset += elementSize)
        {
            bytes.Slice(offset, elementSize).Reverse();
        }
    }
}
