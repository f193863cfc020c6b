using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

// Local gradients that route g through a 0/½/1 factor computed from the saved input and constants of the
// operator. The factor is multiplied, not selected, so g·0 keeps the sign and NaN behaviour of a product.

/// <summary>g · [lo ≤ x ≤ hi]: the gradient of clamp, passing at the bounds as PyTorch's clamp does.</summary>
internal readonly struct ClampGradient(double lo, double hi) : ILocalGradient
{
    public T Invoke<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        g * (x >= T.CreateTruncating(lo) && x <= T.CreateTruncating(hi) ? T.One : T.Zero);

    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        g * (Vector128.GreaterThanOrEqual(x, Vector128.Create(T.CreateTruncating(lo)))
            & Vector128.LessThanOrEqual(x, Vector128.Create(T.CreateTruncating(hi))) & Vector128<T>.One);

    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        g * (Vector256.GreaterThanOrEqual(x, Vector256.Create(T.CreateTruncating(lo)))
            & Vector256.LessThanOrEqual(x, Vector256.Create(T.CreateTruncating(hi))) & Vector256<T>.One);

    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        g * (Vector512.GreaterThanOrEqual(x, Vector512.Create(T.CreateTruncating(lo)))
            & Vector512.LessThanOrEqual(x, Vector512.Create(T.CreateTruncating(hi))) & Vector512<T>.One);
}

/// <summary>
/// g · share for max(x, c) (or min when <paramref name="max"/> is false) against a constant c: x receives the
/// whole gradient where it is the extreme, none where c is, and half on a tie, as PyTorch's maximum does.
/// </summary>
internal readonly struct ConstantExtremumGradient(double c, bool max) : ILocalGradient
{
    public T Invoke<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s = T.CreateTruncating(c);
        bool wins = max ? x > s : x < s;
        return g * (wins ? T.One : x == s ? T.One / (T.One + T.One) : T.Zero);
    }

    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = Vector128.Create(T.CreateTruncating(c));
        var wins = max ? Vector128.GreaterThan(x, s) : Vector128.LessThan(x, s);
        var half = Vector128.Create(T.One / (T.One + T.One));
        return g * Vector128.ConditionalSelect(wins, Vector128<T>.One, Vector128.Equals(x, s) & half);
    }

    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = Vector256.Create(T.CreateTruncating(c));
        var wins = max ? Vector256.GreaterThan(x, s) : Vector256.LessThan(x, s);
        var half = Vector256.Create(T.One / (T.One + T.One));
        return g * Vector256.ConditionalSelect(wins, Vector256<T>.One, Vector256.Equals(x, s) & half);
    }

    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = Vector512.Create(T.CreateTruncating(c));
        var wins = max ? Vector512.GreaterThan(x, s) : Vector512.LessThan(x, s);
        var half = Vector512.Create(T.One / (T.One + T.One));
        return g * Vector512.ConditionalSelect(wins, Vector512<T>.One, Vector512.Equals(x, s) & half);
    }
}
