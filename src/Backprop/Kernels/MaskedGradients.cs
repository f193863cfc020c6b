using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

// Local gradients that route g by comparing the saved input with constants of the operator. They select g (or g/2)
// rather than multiply it by a 0/1 factor, as PyTorch does: where the gradient is blocked it is 0 even when g is ±∞.

/// <summary>
/// g where lo ≤ x ≤ hi (the bounds pass the gradient, as PyTorch's clamp), else 0 — selected, not multiplied, so an
/// infinite g outside the bounds still gives 0.
/// </summary>
internal readonly struct ClampGradient(double lo, double hi) : ILocalGradient
{
    public T Invoke<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        x >= T.CreateTruncating(lo) && x <= T.CreateTruncating(hi) ? g : T.Zero;

    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        g & Vector128.GreaterThanOrEqual(x, Vector128.Create(T.CreateTruncating(lo))) & Vector128.LessThanOrEqual(x, Vector128.Create(T.CreateTruncating(hi)));

    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        g & Vector256.GreaterThanOrEqual(x, Vector256.Create(T.CreateTruncating(lo))) & Vector256.LessThanOrEqual(x, Vector256.Create(T.CreateTruncating(hi)));

    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        g & Vector512.GreaterThanOrEqual(x, Vector512.Create(T.CreateTruncating(lo))) & Vector512.LessThanOrEqual(x, Vector512.Create(T.CreateTruncating(hi)));
}

/// <summary>
/// The gradient of max(x, c) (or min when <paramref name="max"/> is false) for x against a constant c, PyTorch's
/// rule: g where x wins, g/2 on a tie, 0 where it loses — selected, not multiplied, so a loser gets 0 even from an
/// infinite g; a NaN on either side never loses, so it receives g.
/// </summary>
internal readonly struct ConstantExtremumGradient(double c, bool max) : ILocalGradient
{
    public T Invoke<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s = T.CreateTruncating(c);
        bool loses = max ? x < s : x > s;
        return loses ? T.Zero : x == s ? g / (T.One + T.One) : g;
    }

    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = Vector128.Create(T.CreateTruncating(c));
        var loses = max ? Vector128.LessThan(x, s) : Vector128.GreaterThan(x, s);
        var shared = Vector128.ConditionalSelect(Vector128.Equals(x, s), g / Vector128.Create(T.One + T.One), g);
        return Vector128.AndNot(shared, loses);
    }

    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = Vector256.Create(T.CreateTruncating(c));
        var loses = max ? Vector256.LessThan(x, s) : Vector256.GreaterThan(x, s);
        var shared = Vector256.ConditionalSelect(Vector256.Equals(x, s), g / Vector256.Create(T.One + T.One), g);
        return Vector256.AndNot(shared, loses);
    }

    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = Vector512.Create(T.CreateTruncating(c));
        var loses = max ? Vector512.LessThan(x, s) : Vector512.GreaterThan(x, s);
        var shared = Vector512.ConditionalSelect(Vector512.Equals(x, s), g / Vector512.Create(T.One + T.One), g);
        return Vector512.AndNot(shared, loses);
    }
}

/// <summary>
/// The gradient of std = √var from the saved output y: g/(2y), and 0 where y = 0 — selected, as PyTorch's
/// std_backward masks it, so a constant slice gets a zero gradient instead of NaN.
/// </summary>
internal readonly struct StdGradient : ILocalGradient
{
    public T Invoke<T>(T g, T y) where T : unmanaged, IFloatingPointIeee754<T> => y == T.Zero ? T.Zero : g / (y + y);

    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector128.ConditionalSelect(Vector128.Equals(y, Vector128<T>.Zero), Vector128<T>.Zero, g / (y + y));

    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector256.ConditionalSelect(Vector256.Equals(y, Vector256<T>.Zero), Vector256<T>.Zero, g / (y + y));

    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector512.ConditionalSelect(Vector512.Equals(y, Vector512<T>.Zero), Vector512<T>.Zero, g / (y + y));
}
