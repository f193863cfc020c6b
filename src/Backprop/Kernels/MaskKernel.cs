using System.Numerics;

namespace Backprop.Kernels;

/// <summary>Element-wise 0/1 factors that route gradients (ReLU, max gate, clamp, abs).</summary>
internal static class MaskKernel
{
    /// <summary>1 where x &gt; 0, else 0.</summary>
    public static void Positive<T>(ReadOnlySpan<T> x, Span<T> mask) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) mask[i] = x[i] > T.Zero ? T.One : T.Zero;
    }

    /// <summary>sign(x): −1, 0 or 1 (0 at 0, so |x| passes no gradient there, as PyTorch).</summary>
    public static void Sign<T>(ReadOnlySpan<T> x, Span<T> mask) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) mask[i] = x[i] > T.Zero ? T.One : x[i] < T.Zero ? -T.One : T.Zero;
    }

    /// <summary>1 where lo ≤ x ≤ hi, else 0 (the bounds pass the gradient, as PyTorch's clamp).</summary>
    public static void InRange<T>(ReadOnlySpan<T> x, T lo, T hi, Span<T> mask) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) mask[i] = x[i] >= lo && x[i] <= hi ? T.One : T.Zero;
    }

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

    /// <summary>1 where the condition is non-zero.</summary>
    public static void NonZero<T>(ReadOnlySpan<T> x, Span<T> mask) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) mask[i] = x[i] != T.Zero ? T.One : T.Zero;
    }
}
