using System.Numerics;

namespace Backprop.Kernels;

/// <summary>Element-wise 0/1 and sign factors that route gradients (masks, clamp, abs, where).</summary>
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

    /// <summary>1 where the condition is non-zero.</summary>
    public static void NonZero<T>(ReadOnlySpan<T> x, Span<T> mask) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) mask[i] = x[i] != T.Zero ? T.One : T.Zero;
    }
}
