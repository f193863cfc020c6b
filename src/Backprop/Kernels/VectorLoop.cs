using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>y = f(x) lane by lane, in every vector width: the form of an element-wise function that
/// <c>TensorPrimitives</c> does not have (GELU, SiLU, softplus, log1p, erf).</summary>
internal interface IVectorFunction
{
    Vector128<T> Invoke<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>;
    Vector256<T> Invoke<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>;
    Vector512<T> Invoke<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>The forward loop of an <see cref="IVectorFunction"/>: the widest accelerated vectors, then single lanes.</summary>
internal static class VectorLoop
{
    public static void Map<T, TF>(TF f, ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> where TF : struct, IVectorFunction
    {
        if (x.Length != y.Length) throw new ArgumentException("internal: element-wise spans differ in length");
        ref T rx = ref MemoryMarshal.GetReference(x);
        ref T ry = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)y.Length, i = 0;
        if (Vector512.IsHardwareAccelerated && n >= (nuint)Vector512<T>.Count)
        {
            for (; i <= n - (nuint)Vector512<T>.Count; i += (nuint)Vector512<T>.Count)
                f.Invoke(Vector512.LoadUnsafe(ref rx, i)).StoreUnsafe(ref ry, i);
        }
        else if (Vector256.IsHardwareAccelerated && n >= (nuint)Vector256<T>.Count)
        {
            for (; i <= n - (nuint)Vector256<T>.Count; i += (nuint)Vector256<T>.Count)
                f.Invoke(Vector256.LoadUnsafe(ref rx, i)).StoreUnsafe(ref ry, i);
        }
        for (; i < n; i++) Unsafe.Add(ref ry, i) = OneLane(f, Unsafe.Add(ref rx, i));
    }

    /// <summary>f of one element, computed by the vector code on one lane so it rounds exactly as the vector body does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T OneLane<T, TF>(TF f, T x) where T : unmanaged, IFloatingPointIeee754<T> where TF : struct, IVectorFunction =>
        f.Invoke(Vector128.Create(x)).ToScalar();
}
