namespace Backprop.Serialization;

/// <summary>
/// The element types of the safetensors format, by their names in the header ("F32", "I64", …), with their sizes.
/// </summary>
public static class SafeTensorsDType
{
    /// <summary>IEEE 754 binary64.</summary>
    public const string F64 = "F64";
    /// <summary>IEEE 754 binary32.</summary>
    public const string F32 = "F32";
    /// <summary>IEEE 754 binary16.</summary>
    public const string F16 = "F16";
    /// <summary>bfloat16: the upper 16 bits of a binary32.</summary>
    public const string BF16 = "BF16";
    /// <summary>Signed 64-bit integer.</summary>
    public const string I64 = "I64";
    /// <summary>Signed 32-bit integer.</summary>
    public const string I32 = "I32";
    /// <summary>Signed 16-bit integer.</summary>
    public const string I16 = "I16";
    /// <summary>Signed 8-bit integer.</summary>
    public const string I8 = "I8";
    /// <summary>Unsigned 64-bit integer.</summary>
    public const string U64 = "U64";
    /// <summary>Unsigned 32-bit integer.</summary>
    public const string U32 = "U32";
    /// <summary>Unsigned 16-bit integer.</summary>
    public const string U16 = "U16";
    /// <summary>Unsigned 8-bit integer.</summary>
    public const string U8 = "U8";
    /// <summary>Boolean, one byte per element (0 or 1).</summary>
    public const string Bool = "BOOL";
    /// <summary>8-bit float with 5 exponent and 2 mantissa bits (readable and writable as raw bytes only).</summary>
    public const string F8E5M2 = "F8_E5M2";
    /// <summary>8-bit float with 4 exponent and 3 mantissa bits (readable and writable as raw bytes only).</summary>
    public const string F8E4M3 = "F8_E4M3";

    /// <summary>The size of one element of <paramref name="dtype"/> in bytes, or 0 if the dtype is unknown.</summary>
    public static int SizeOf(string dtype) => dtype switch
    {
        F64 or I64 or U64 => 8,
        F32 or I32 or U32 => 4,
        F16 or BF16 or I16 or U16 => 2,
        I8 or U8 or Bool or F8E5M2 or F8E4M3 => 1,
        _ => 0,
    };

    /// <summary>True if <paramref name="dtype"/> is one of the names above (case-sensitive, as in the format).</summary>
    public static bool IsKnown(string dtype) => SizeOf(dtype) != 0;
}
