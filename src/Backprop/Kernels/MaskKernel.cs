using System.Numerics;

namespace Backprop.Kernels;

// Element-wise 0/1 factors: comparisons and the condition of where.

/// <summary>1 where x &gt; 0, else 0.</summary>
internal readonly struct PositiveFunction : IUnaryFunction
{
    public T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x > T.Zero ? T.One : T.Zero;

    public void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = Invoke(x[i]);
    }
}

/// <summary>1 where x is non-zero (NaN included), else 0.</summary>
internal readonly struct NonZeroFunction : IUnaryFunction
{
    public T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x != T.Zero ? T.One : T.Zero;

    public void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = Invoke(x[i]);
    }
}
