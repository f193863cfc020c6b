namespace Backprop.Serialization;

/// <summary>
/// Thrown when a safetensors file is malformed. The message names the file (or other source) and what is wrong:
/// a header length beyond the file, header JSON that does not parse or has the wrong structure, an unknown dtype,
/// data offsets out of range or overlapping, or a byte range whose size disagrees with the dtype and shape.
/// </summary>
public sealed class SafeTensorsFormatException : Exception
{
    /// <summary>Creates the exception with a message that names the source and the problem.</summary>
    public SafeTensorsFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that revealed the problem (e.g. a JSON error).</summary>
    public SafeTensorsFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
