using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

// The element-wise functions are operator structs, as in System.Numerics.Tensors: one struct per function, and one
// loop (ElementwiseKernel) that serves them all. A struct type argument makes the JIT compile that loop once per
// function and element type with the function inlined, so there is no per-element call and no switch.

/// <summary>y = f(x), element-wise.</summary>
internal interface IUnaryFunction
{
    /// <summary>f of one element: the definition the span form is tested against.</summary>
    T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>f over a span, vectorised (by <c>TensorPrimitives</c> where it has the function).</summary>
    void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>
/// An element-wise operator's backward: d = g · f′, where f′ is computed from s, the forward value the operator
/// saved (its input or its output, per function). One pass, no temporaries.
/// </summary>
internal interface ILocalGradient
{
    /// <summary>d for one element: the definition, and the loop's tail.</summary>
    T Invoke<T>(T g, T s) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>The same, lane by lane, with the same operations in the same order (so every lane rounds as the scalar does).</summary>
    Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> s) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <inheritdoc cref="Invoke{T}(Vector128{T}, Vector128{T})"/>
    Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> s) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <inheritdoc cref="Invoke{T}(Vector128{T}, Vector128{T})"/>
    Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> s) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>y = f(a, b), element-wise, with a span or a scalar on either side.</summary>
internal interface IBinaryFunction
{
    /// <summary>f of one pair: the definition, and the path for single elements and strided rows.</summary>
    T Invoke<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>f over two spans, vectorised.</summary>
    void Invoke<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>f of a span and a scalar right operand.</summary>
    void Invoke<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>f of a scalar left operand and a span.</summary>
    void Invoke<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>
/// y = f(x) together with the slope f′(x), for an operator that keeps the slope for its backward instead of the input
/// (linear_gelu): one pass shares the work of both, and the backward is then g · slope. Each width computes the same
/// operations in the same order, so a lane rounds alike in every width and as the function's own forward and local
/// gradient do.
/// </summary>
internal interface IValueAndSlope
{
    Vector128<T> Invoke<T>(Vector128<T> x, out Vector128<T> slope) where T : unmanaged, IFloatingPointIeee754<T>;
    Vector256<T> Invoke<T>(Vector256<T> x, out Vector256<T> slope) where T : unmanaged, IFloatingPointIeee754<T>;
    Vector512<T> Invoke<T>(Vector512<T> x, out Vector512<T> slope) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>d = g · s, where s is the local slope an operator saved (see <see cref="IValueAndSlope"/>).</summary>
internal readonly struct SavedSlope : ILocalGradient
{
    public T Invoke<T>(T g, T s) where T : unmanaged, IFloatingPointIeee754<T> => g * s;
    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> s) where T : unmanaged, IFloatingPointIeee754<T> => g * s;
    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> s) where T : unmanaged, IFloatingPointIeee754<T> => g * s;
    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> s) where T : unmanaged, IFloatingPointIeee754<T> => g * s;
}
