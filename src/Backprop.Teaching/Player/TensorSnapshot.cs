namespace Backprop.Teaching.Player;

/// <summary>The values of one tensor at one moment, copied out as float64 (row-major) so the recording owns them.</summary>
/// <param name="Shape">The tensor's shape; empty for a scalar.</param>
/// <param name="Values">The elements, row-major.</param>
public sealed record TensorSnapshot(int[] Shape, double[] Values)
{
    /// <summary>A copy of <paramref name="tensor"/>'s current values.</summary>
    public static TensorSnapshot Of(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return new TensorSnapshot(tensor.Shape.ToArray(), tensor.ToDoubleArray());
    }

    /// <summary>A 0-d snapshot holding <paramref name="value"/>.</summary>
    public static TensorSnapshot Scalar(double value) => new([], [value]);

    /// <summary>Whether the tensor holds one element (a scalar, or a shape of ones).</summary>
    public bool IsScalar => Values.Length == 1;

    /// <summary>The single value of a one-element tensor.</summary>
    public double Item => Values.Length == 1 ? Values[0]
        : throw new InvalidOperationException($"Item: the tensor has shape [{string.Join(", ", Shape)}], not one element");

    /// <summary>The smallest element (0 for an empty tensor).</summary>
    public double Min => Values.Length == 0 ? 0 : Values.Min();

    /// <summary>The largest element (0 for an empty tensor).</summary>
    public double Max => Values.Length == 0 ? 0 : Values.Max();
}
