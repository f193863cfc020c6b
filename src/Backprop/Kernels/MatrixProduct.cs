using System.Numerics;
using System.Runtime.InteropServices;

namespace Backprop.Kernels;

/// <summary>
/// The matrix product for a generic element type: the one place where the operators and kernels, written once over
/// T, reach <see cref="Gemm"/>'s per-type entry points.
/// </summary>
internal static class MatrixProduct
{
    /// <inheritdoc cref="Gemm.Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool, bool, bool)"/>
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int n, int k,
        bool transA = false, bool transB = false, bool accumulate = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // typeof tests on a type argument are constants to the JIT: each instantiation keeps one branch.
        if (typeof(T) == typeof(float))
            Gemm.Multiply(MemoryMarshal.Cast<T, float>(a), MemoryMarshal.Cast<T, float>(b), MemoryMarshal.Cast<T, float>(c),
                m, n, k, transA, transB, accumulate);
        else if (typeof(T) == typeof(double))
            Gemm.Multiply(MemoryMarshal.Cast<T, double>(a), MemoryMarshal.Cast<T, double>(b), MemoryMarshal.Cast<T, double>(c),
                m, n, k, transA, transB, accumulate);
        else
            throw new NotSupportedException($"internal: no matrix product for {typeof(T).Name}");
    }
}
