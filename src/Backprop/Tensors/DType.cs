namespace Backprop;

/// <summary>The element type of a tensor.</summary>
public enum DType
{
    /// <summary>32-bit IEEE float, the default.</summary>
    Float32,
    /// <summary>64-bit IEEE float; mixing it with <see cref="Float32"/> promotes to it, as PyTorch does.</summary>
    Float64,
    /// <summary>32-bit integer, for labels and indices (argmax results); carries no gradient.</summary>
    Int32,
}

/// <summary>Facts about <see cref="DType"/> values.</summary>
public static class DTypeInfo
{
    /// <summary>The size of one element in bytes.</summary>
    public static int SizeOf(this DType dtype) => dtype == DType.Float64 ? 8 : 4;

    /// <summary>Whether the dtype can carry gradients.</summary>
    public static bool IsFloatingPoint(this DType dtype) => dtype != DType.Int32;

    /// <summary>The name PyTorch users know: float32, float64, int32.</summary>
    public static string Name(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        _ => "int32",
    };

    /// <summary>The dtype of the result of a binary operation: float64 wins over float32, floats over int32.</summary>
    public static DType Promote(DType a, DType b)
    {
        if (a == b) return a;
        if (a == DType.Float64 || b == DType.Float64) return DType.Float64;
        return DType.Float32;
    }

    internal static Type ClrType(this DType dtype) => dtype switch
    {
        DType.Float32 => typeof(float),
        DType.Float64 => typeof(double),
        _ => typeof(int),
    };
}
