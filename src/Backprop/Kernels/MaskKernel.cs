using System.Numerics;

namespace Backprop.Kernels;

// Element-wise 0/1 (and ½) factors: comparisons, the condition of where, the max gate's share.

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

/// <summary>The max gate's routing of the gradient between its two inputs.</summary>
internal static class MaskKernel
{
    /// <summary>
    /// The share of the gradient the first input of max(a, b) receives: 1 where it is the larger, 0 where
    /// smaller, ½ on a tie (the tie splits evenly, as PyTorch's maximum does). For min, the roles swap.
    /// </summary>
    public static void FirstWins<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> mask, bool max) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T half = T.One / (T.One + T.One);
        for (int i = 0; i < a.Length; i++)
        {
            bool first = max ? a[i] > b[i] : a[i] < b[i];
            mask[i] = first ? T.One : a[i] == b[i] ? half : T.Zero;
        }
    }
}
