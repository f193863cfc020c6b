using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>
/// The runtime's vector transcendental functions (exp, log, sin, cos), which exist only for float and double, made
/// generic over the element type: the <c>typeof</c> test is a JIT-time constant, so each instantiation keeps one
/// branch. The scalar forms run the same code on one lane, so a loop's scalar tail rounds exactly as its vector body.
/// </summary>
internal static class VectorMath
{
    public static Vector128<T> Exp<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector128.Exp(x.AsSingle()).As<float, T>() : Vector128.Exp(x.AsDouble()).As<double, T>();
    public static Vector256<T> Exp<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector256.Exp(x.AsSingle()).As<float, T>() : Vector256.Exp(x.AsDouble()).As<double, T>();
    public static Vector512<T> Exp<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector512.Exp(x.AsSingle()).As<float, T>() : Vector512.Exp(x.AsDouble()).As<double, T>();

    public static Vector128<T> Log<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector128.Log(x.AsSingle()).As<float, T>() : Vector128.Log(x.AsDouble()).As<double, T>();
    public static Vector256<T> Log<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector256.Log(x.AsSingle()).As<float, T>() : Vector256.Log(x.AsDouble()).As<double, T>();
    public static Vector512<T> Log<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector512.Log(x.AsSingle()).As<float, T>() : Vector512.Log(x.AsDouble()).As<double, T>();

    public static Vector128<T> Sin<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector128.Sin(x.AsSingle()).As<float, T>() : Vector128.Sin(x.AsDouble()).As<double, T>();
    public static Vector256<T> Sin<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector256.Sin(x.AsSingle()).As<float, T>() : Vector256.Sin(x.AsDouble()).As<double, T>();
    public static Vector512<T> Sin<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector512.Sin(x.AsSingle()).As<float, T>() : Vector512.Sin(x.AsDouble()).As<double, T>();

    public static Vector128<T> Cos<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector128.Cos(x.AsSingle()).As<float, T>() : Vector128.Cos(x.AsDouble()).As<double, T>();
    public static Vector256<T> Cos<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector256.Cos(x.AsSingle()).As<float, T>() : Vector256.Cos(x.AsDouble()).As<double, T>();
    public static Vector512<T> Cos<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector512.Cos(x.AsSingle()).As<float, T>() : Vector512.Cos(x.AsDouble()).As<double, T>();

    /// <summary>
    /// ln(1 + x) accurate for small x (Kahan's form: ln u · x/(u − 1) with u = 1 + x cancels the rounding of u),
    /// x itself where u rounds to 1, and x for x = +∞ (where ∞/∞ would be NaN).
    /// </summary>
    public static Vector128<T> Log1p<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var u = Vector128<T>.One + x;
        var r = Log(u) * x / (u - Vector128<T>.One);
        r = Vector128.ConditionalSelect(Vector128.Equals(u, Vector128<T>.One), x, r);
        return Vector128.ConditionalSelect(Vector128.Equals(u, Vector128.Create(T.PositiveInfinity)), x, r);
    }

    /// <inheritdoc cref="Log1p{T}(Vector128{T})"/>
    public static Vector256<T> Log1p<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var u = Vector256<T>.One + x;
        var r = Log(u) * x / (u - Vector256<T>.One);
        r = Vector256.ConditionalSelect(Vector256.Equals(u, Vector256<T>.One), x, r);
        return Vector256.ConditionalSelect(Vector256.Equals(u, Vector256.Create(T.PositiveInfinity)), x, r);
    }

    /// <inheritdoc cref="Log1p{T}(Vector128{T})"/>
    public static Vector512<T> Log1p<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var u = Vector512<T>.One + x;
        var r = Log(u) * x / (u - Vector512<T>.One);
        r = Vector512.ConditionalSelect(Vector512.Equals(u, Vector512<T>.One), x, r);
        return Vector512.ConditionalSelect(Vector512.Equals(u, Vector512.Create(T.PositiveInfinity)), x, r);
    }

    /// <summary>
    /// tanh: for float 1 − 2/(e²ᵘ + 1), exact at the saturated ends (e²ᵘ = ∞ gives 1, 0 gives −1) and within a few
    /// float ulps of 1 elsewhere, which is what GELU's 1 + tanh needs; for double the runtime's tanh lane by lane.
    /// </summary>
    public static Vector128<T> Tanh<T>(Vector128<T> u) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double)) return PerLaneTanh(u.AsDouble()).As<double, T>();
        var e = Exp(u + u);
        return Vector128<T>.One - Vector128.Create(T.One + T.One) / (e + Vector128<T>.One);
    }

    /// <inheritdoc cref="Tanh{T}(Vector128{T})"/>
    public static Vector256<T> Tanh<T>(Vector256<T> u) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double)) return Vector256.Create(PerLaneTanh(u.GetLower().AsDouble()), PerLaneTanh(u.GetUpper().AsDouble())).As<double, T>();
        var e = Exp(u + u);
        return Vector256<T>.One - Vector256.Create(T.One + T.One) / (e + Vector256<T>.One);
    }

    /// <inheritdoc cref="Tanh{T}(Vector128{T})"/>
    public static Vector512<T> Tanh<T>(Vector512<T> u) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double)) return Vector512.Create(Tanh(u.GetLower()), Tanh(u.GetUpper()));
        var e = Exp(u + u);
        return Vector512<T>.One - Vector512.Create(T.One + T.One) / (e + Vector512<T>.One);
    }

    private static Vector128<double> PerLaneTanh(Vector128<double> u) => Vector128.Create(Math.Tanh(u.GetElement(0)), Math.Tanh(u.GetElement(1)));

    /// <summary>a·b + c with one rounding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Fma<T>(Vector128<T> a, Vector128<T> b, Vector128<T> c) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector128.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
            : Vector128.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();

    /// <inheritdoc cref="Fma{T}(Vector128{T}, Vector128{T}, Vector128{T})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Fma<T>(Vector256<T> a, Vector256<T> b, Vector256<T> c) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
            : Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();

    /// <inheritdoc cref="Fma{T}(Vector128{T}, Vector128{T}, Vector128{T})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Fma<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
            : Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
}
