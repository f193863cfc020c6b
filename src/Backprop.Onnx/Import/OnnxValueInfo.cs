namespace Backprop.Onnx;

/// <summary>
/// A graph input or output as the ONNX file declares it: its name, the Backprop dtype its element type maps to, and
/// its dimensions, each a size or null where the file names a symbolic dimension (such as a batch size).
/// </summary>
/// <param name="Name">The value's name in the graph.</param>
/// <param name="DType">Float32 for float, Float64 for double, Int32 for every integer and bool type; null if the file does not say or the type has no Backprop dtype.</param>
/// <param name="ElementType">ONNX's name of the element type, such as FLOAT or INT64 (UNDEFINED if unstated).</param>
/// <param name="Dims">The dimensions (null entries are symbolic), or null when the file declares no shape.</param>
public sealed record OnnxValueInfo(string Name, DType? DType, string ElementType, IReadOnlyList<int?>? Dims)
{
    /// <summary>The shape as text, such as [batch, 784] or [?, 3, 32, 32].</summary>
    public string FormatShape() =>
        Dims is null ? "[unknown shape]" : "[" + string.Join(", ", Dims.Select(d => d?.ToString() ?? "?")) + "]";
}
