using System.Runtime.InteropServices;
using Backprop.Onnx.Protobuf;
using Google.Protobuf;

namespace Backprop.Onnx;

/// <summary>
/// Conversion between Backprop tensors and ONNX <c>TensorProto</c> messages, in both directions: the one place the
/// exporter writes initializers and the importer reads initializers, constants and test data.
/// </summary>
/// <remarks>
/// Backprop has float32, float64 and int32 tensors. ONNX indices and shapes are int64: they are read into int32 with
/// a range check (an index beyond int32 is a format error, not a wrapped number) and written as int64 where ONNX asks
/// for it (<see cref="ToInt64Proto"/>). Little-endian raw data is what ONNX writes and what this machine is.
/// </remarks>
internal static class OnnxTensors
{
    /// <summary>The largest element count a TensorProto may declare before anything is allocated for it.</summary>
    internal const long MaxElements = int.MaxValue;

    /// <summary>The tensor as an ONNX initializer named <paramref name="name"/>, its data as raw little-endian bytes.</summary>
    internal static TensorProto ToProto(Tensor tensor, string name)
    {
        var proto = new TensorProto { Name = name };
        foreach (int d in tensor.Shape) proto.Dims.Add(d);
        switch (tensor.DType)
        {
            case DType.Float32:
                proto.DataType = (int)TensorProto.Types.DataType.Float;
                proto.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(tensor.ToArray<float>().AsSpan()));
                break;
            case DType.Float64:
                proto.DataType = (int)TensorProto.Types.DataType.Double;
                proto.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(tensor.ToArray<double>().AsSpan()));
                break;
            case DType.Int32:
                proto.DataType = (int)TensorProto.Types.DataType.Int32;
                proto.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(tensor.ToArray<int>().AsSpan()));
                break;
            default:
                throw new NotSupportedException($"onnx: tensors of dtype {tensor.DType} cannot be written");
        }
        return proto;
    }

    /// <summary>An int64 tensor (shapes, axes, indices as ONNX wants them) from int values.</summary>
    internal static TensorProto ToInt64Proto(ReadOnlySpan<long> values, string name, params long[] dims)
    {
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        proto.Dims.AddRange(dims);
        proto.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        return proto;
    }

    /// <summary>
    /// The tensor a TensorProto holds, from raw data or the typed fields. float → Float32, double → Float64,
    /// int32/int64/int8/uint8/int16/bool → Int32 (int64 values checked against int32's range).
    /// </summary>
    /// <exception cref="InvalidDataException">A size that does not match the dims, an unsupported data type, an int64 beyond int32.</exception>
    internal static Tensor FromProto(TensorProto proto)
    {
        string what = string.IsNullOrEmpty(proto.Name) ? "a tensor" : $"tensor '{proto.Name}'";
        if (proto.DataLocation == TensorProto.Types.DataLocation.External)
            throw new InvalidDataException($"onnx: {what} keeps its data in an external file, which is not supported; save the model with its data inside");
        var shape = new int[proto.Dims.Count];
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            long d = proto.Dims[i];
            if (d < 0 || d > MaxElements) throw new InvalidDataException($"onnx: {what} has dimension {i} of size {d}; expected 0 to {MaxElements}");
            shape[i] = (int)d;
            count *= d;
            if (count > MaxElements) throw new InvalidDataException($"onnx: {what} declares more than {MaxElements} elements");
        }
        int n = (int)count;
        var type = (TensorProto.Types.DataType)proto.DataType;
        var raw = proto.RawData.Span;
        bool hasRaw = proto.HasRawData;
        switch (type)
        {
            case TensorProto.Types.DataType.Float:
                return Create(hasRaw ? Raw<float>(raw, n, what) : Typed(proto.FloatData, n, what), shape);
            case TensorProto.Types.DataType.Double:
                return Create(hasRaw ? Raw<double>(raw, n, what) : Typed(proto.DoubleData, n, what), shape);
            case TensorProto.Types.DataType.Int32:
                return Create(hasRaw ? Raw<int>(raw, n, what) : Typed(proto.Int32Data, n, what), shape);
            case TensorProto.Types.DataType.Int64:
                return Create(Narrow(hasRaw ? Raw<long>(raw, n, what) : Typed(proto.Int64Data, n, what), what), shape);
            case TensorProto.Types.DataType.Int8:
                return Create(hasRaw ? Widen<sbyte>(raw, n, what) : Typed(proto.Int32Data, n, what), shape);
            case TensorProto.Types.DataType.Uint8:
            case TensorProto.Types.DataType.Bool:
                return Create(hasRaw ? Widen<byte>(raw, n, what) : Typed(proto.Int32Data, n, what), shape);
            case TensorProto.Types.DataType.Int16:
                return Create(hasRaw ? Widen<short>(raw, n, what) : Typed(proto.Int32Data, n, what), shape);
            default:
                throw new InvalidDataException($"onnx: {what} has data type {type}, which Backprop does not have (float, double and integers are supported)");
        }
    }

    /// <summary>
    /// The values of an integer TensorProto as int64, unnarrowed: shapes, axes and Slice bounds, where ONNX uses values
    /// such as int64's maximum for "to the end".
    /// </summary>
    internal static long[] Int64Values(TensorProto proto)
    {
        string what = string.IsNullOrEmpty(proto.Name) ? "a tensor" : $"tensor '{proto.Name}'";
        long count = 1;
        foreach (long d in proto.Dims)
        {
            if (d < 0 || d > MaxElements) throw new InvalidDataException($"onnx: {what} has a dimension of size {d}");
            count *= d;
            if (count > MaxElements) throw new InvalidDataException($"onnx: {what} declares more than {MaxElements} elements");
        }
        int n = (int)count;
        return (TensorProto.Types.DataType)proto.DataType switch
        {
            TensorProto.Types.DataType.Int64 => proto.HasRawData ? Raw<long>(proto.RawData.Span, n, what) : Typed(proto.Int64Data, n, what),
            TensorProto.Types.DataType.Int32 => Array.ConvertAll(proto.HasRawData ? Raw<int>(proto.RawData.Span, n, what) : Typed(proto.Int32Data, n, what), v => (long)v),
            var other => throw new InvalidDataException($"onnx: {what} must hold integers (int64 or int32), got {other}"),
        };
    }

    // The tensor over the values, a 0-d one when the dims are empty (Tensor.FromArray reads an empty shape as 1-D).
    private static Tensor Create(float[] values, int[] shape) => new(values, shape, DType.Float32);

    private static Tensor Create(double[] values, int[] shape) => new(values, shape, DType.Float64);

    private static Tensor Create(int[] values, int[] shape) => new(values, shape, DType.Int32);

    private static T[] Raw<T>(ReadOnlySpan<byte> raw, int n, string what) where T : unmanaged
    {
        int size = Marshal.SizeOf<T>();
        if (raw.Length != (long)n * size)
            throw new InvalidDataException($"onnx: {what} has {raw.Length} bytes of data; its dims need {(long)n * size}");
        return MemoryMarshal.Cast<byte, T>(raw).ToArray();
    }

    private static T[] Typed<T>(Google.Protobuf.Collections.RepeatedField<T> values, int n, string what)
    {
        if (values.Count != n) throw new InvalidDataException($"onnx: {what} has {values.Count} values; its dims need {n}");
        var result = new T[n];
        values.CopyTo(result, 0);
        return result;
    }

    private static int[] Widen<T>(ReadOnlySpan<byte> raw, int n, string what) where T : unmanaged, IConvertible
    {
        var values = Raw<T>(raw, n, what);
        var result = new int[n];
        for (int i = 0; i < n; i++) result[i] = values[i].ToInt32(null);
        return result;
    }

    private static int[] Narrow(long[] values, string what)
    {
        var result = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            long v = values[i];
            if (v < int.MinValue || v > int.MaxValue)
                throw new InvalidDataException($"onnx: {what} holds the int64 value {v} at element {i}, beyond Backprop's int32 range");
            result[i] = (int)v;
        }
        return result;
    }
}
