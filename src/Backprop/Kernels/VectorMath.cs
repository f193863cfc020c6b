using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>
/// The runtime's vector transcendental functions (exp, log), which exist only for float and double, made
/// generic over the element type: the <c>typeof</c> test is a JIT-time constant, so each instantiation keeps one
/// branch. Every function gives the same lane result in every width, so a loop's scalar tail (one lane of a 128-bit
/// vector) rounds exactly as its vector body.
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

    // Sine and cosine lane by lane with the scalar functions: the runtime's vector forms compute a lane differently
    // depending on its neighbours (lanes outside their fast range send the whole vector to a fallback), so the same
    // element would round differently in a vector body and in a tail. Neither is hot in the networks here.
    public static Vector128<T> Sin<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> lanes = stackalloc T[Vector128<T>.Count];
        x.CopyTo(lanes);
        for (int i = 0; i < lanes.Length; i++) lanes[i] = T.Sin(lanes[i]);
        return Vector128.Create<T>(lanes);
    }
    public static Vector256<T> Sin<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.Create(Sin(x.GetLower()), Sin(x.GetUpper()));
    public static Vector512<T> Sin<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector512.Create(Sin(x.GetLower()), Sin(x.GetUpper()));

    public static Vector128<T> Cos<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> lanes = stackalloc T[Vector128<T>.Count];
        x.CopyTo(lanes);
        for (int i = 0; i < lanes.Length; i++) lanes[i] = T.Cos(lanes[i]);
        return Vector128.Create<T>(lanes);
    }
    public static Vector256<T> Cos<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.Create(Cos(x.GetLower()), Cos(x.GetUpper()));
    public static Vector512<T> Cos<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector512.Create(Cos(x.GetLower()), Cos(x.GetUpper()));

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
    /// A constant in the element type. Unlike <c>T.CreateTruncating(v)</c>, which the JIT does not always fold inside a
    /// large method (measured: GELU's forward ran 3× slower than erf alone with three such conversions per vector),
    /// this is a bit cast behind a JIT-time type test, so a literal argument becomes an immediate.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Constant<T>(double v) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Unsafe.BitCast<float, T>((float)v) : Unsafe.BitCast<double, T>(v);

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
