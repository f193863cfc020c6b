using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>
/// The vector operations the GEMM kernels are written against, so that one kernel text serves float and double at
/// 256 and 512 bits. Each member is one intrinsic; implemented by structs, the calls are resolved and inlined when
/// the JIT specialises a kernel for its type arguments, so the machine code is that of a hand-written kernel.
/// </summary>
/// <typeparam name="TVector">The vector type, <see cref="Vector512{T}"/> or <see cref="Vector256{T}"/>.</typeparam>
/// <typeparam name="T">The element type, float or double.</typeparam>
internal unsafe interface IGemmVector<TVector, T> where T : unmanaged
{
    /// <summary>Elements per vector.</summary>
    static abstract int Count { get; }

    /// <summary>Loads <see cref="Count"/> elements from <paramref name="source"/> (no alignment required).</summary>
    static abstract TVector Load(T* source);

    /// <summary>Stores the vector's elements at <paramref name="destination"/>.</summary>
    static abstract void Store(TVector value, T* destination);

    /// <summary>A vector with every element equal to <paramref name="value"/>.</summary>
    static abstract TVector Broadcast(T value);

    /// <summary>x·y + z per element, rounded once.</summary>
    static abstract TVector Fma(TVector x, TVector y, TVector z);
}

/// <summary>512-bit vectors of float or double (AVX-512F on x64).</summary>
internal readonly unsafe struct GemmVector512<T> : IGemmVector<Vector512<T>, T> where T : unmanaged
{
    public static int Count => Vector512<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load(T* source) => Vector512.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<T> value, T* destination) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Broadcast(T value) => Vector512.Create(value);

    // Vector512.FusedMultiplyAdd exists only for float and double; the type tests are constants to the JIT.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Fma(Vector512<T> x, Vector512<T> y, Vector512<T> z)
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(x.As<T, float>(), y.As<T, float>(), z.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Vector512.FusedMultiplyAdd(x.As<T, double>(), y.As<T, double>(), z.As<T, double>()).As<double, T>();
        throw GemmVector.Unsupported<T>();
    }
}

/// <summary>256-bit vectors of float or double (AVX2 with FMA3 on x64).</summary>
internal readonly unsafe struct GemmVector256<T> : IGemmVector<Vector256<T>, T> where T : unmanaged
{
    public static int Count => Vector256<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load(T* source) => Vector256.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<T> value, T* destination) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Broadcast(T value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Fma(Vector256<T> x, Vector256<T> y, Vector256<T> z)
    {
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(x.As<T, float>(), y.As<T, float>(), z.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Vector256.FusedMultiplyAdd(x.As<T, double>(), y.As<T, double>(), z.As<T, double>()).As<double, T>();
        throw GemmVector.Unsupported<T>();
    }
}

/// <summary>Helpers shared by the vector types.</summary>
internal static class GemmVector
{
    /// <summary>The error for an element type the kernels have no fused multiply-add for (an internal bug).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static NotSupportedException Unsupported<T>() =>
        new($"Gemm: element type {typeof(T).Name} is not supported, expected float or double.");
}
