using System.Numerics;
using System.Numerics.Tensors;

namespace Backprop.Kernels;

// One struct per element-wise function of two arguments; the span forms are TensorPrimitives'.

/// <summary>a + b.</summary>
internal readonly struct AddFunction : IBinaryFunction
{
    public T Invoke<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a + b;
    public void Invoke<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Add(a, b, y);
    public void Invoke<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Add(a, b, y);
    public void Invoke<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Add(b, a, y);
}

/// <summary>a − b.</summary>
internal readonly struct SubtractFunction : IBinaryFunction
{
    public T Invoke<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a - b;
    public void Invoke<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Subtract(a, b, y);
    public void Invoke<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Subtract(a, b, y);
    public void Invoke<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Subtract(a, b, y);
}

/// <summary>a · b.</summary>
internal readonly struct MultiplyFunction : IBinaryFunction
{
    public T Invoke<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a * b;
    public void Invoke<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Multiply(a, b, y);
    public void Invoke<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Multiply(a, b, y);
    public void Invoke<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Multiply(b, a, y);
}

/// <summary>a / b.</summary>
internal readonly struct DivideFunction : IBinaryFunction
{
    public T Invoke<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a / b;
    public void Invoke<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Divide(a, b, y);
    public void Invoke<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Divide(a, b, y);
    public void Invoke<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Divide(a, b, y);
}

/// <summary>aᵇ.</summary>
internal readonly struct PowFunction : IBinaryFunction
{
    public T Invoke<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => T.Pow(a, b);
    public void Invoke<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Pow(a, b, y);
    public void Invoke<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Pow(a, b, y);
    public void Invoke<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Pow(a, b, y);
}

/// <summary>max(a, b), NaN propagating.</summary>
internal readonly struct MaxFunction : IBinaryFunction
{
    public T Invoke<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => T.IsNaN(a) || a > b ? a : b;
    public void Invoke<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Max(a, b, y);
    public void Invoke<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Max(a, b, y);
    public void Invoke<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Max(b, a, y);
}

/// <summary>min(a, b), NaN propagating.</summary>
internal readonly struct MinFunction : IBinaryFunction
{
    public T Invoke<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => T.IsNaN(a) || a < b ? a : b;
    public void Invoke<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Min(a, b, y);
    public void Invoke<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Min(a, b, y);
    public void Invoke<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Min(b, a, y);
}
