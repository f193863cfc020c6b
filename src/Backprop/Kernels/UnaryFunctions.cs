using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

// One struct per element-wise function of one argument: its forward (scalar definition and vectorised span form)
// and, where its operator has one, its local gradient. Each gradient says which forward value it reads: the
// operator saves exactly that one.

/// <summary>−x.</summary>
internal readonly struct NegateFunction : IUnaryFunction
{
    public T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => -x;
    public void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Negate(x, y);
}

/// <summary>eˣ; gradient g·y from the saved output y = eˣ.</summary>
internal readonly struct ExpFunction : IUnaryFunction, ILocalGradient
{
    public T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Exp(x);
    public void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Exp(x, y);

    public T Invoke<T>(T g, T y) where T : unmanaged, IFloatingPointIeee754<T> => g * y;
    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> y) where T : unmanaged, IFloatingPointIeee754<T> => g * y;
    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> y) where T : unmanaged, IFloatingPointIeee754<T> => g * y;
    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> y) where T : unmanaged, IFloatingPointIeee754<T> => g * y;
}

/// <summary>ln x; gradient g/x from the saved input.</summary>
internal readonly struct LogFunction : IUnaryFunction, ILocalGradient
{
    public T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Log(x);
    public void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Log(x, y);

    public T Invoke<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> => g / x;
    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> => g / x;
    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => g / x;
    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => g / x;
}

/// <summary>√x; gradient g/(2y) from the saved output y = √x.</summary>
internal readonly struct SqrtFunction : IUnaryFunction, ILocalGradient
{
    public T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Sqrt(x);
    public void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sqrt(x, y);

    public T Invoke<T>(T g, T y) where T : unmanaged, IFloatingPointIeee754<T> => g / (y + y);
    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> y) where T : unmanaged, IFloatingPointIeee754<T> => g / (y + y);
    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> y) where T : unmanaged, IFloatingPointIeee754<T> => g / (y + y);
    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> y) where T : unmanaged, IFloatingPointIeee754<T> => g / (y + y);
}

/// <summary>|x|; gradient g·sign(x) from the saved input, with sign 0 at 0 (and for NaN), as PyTorch.</summary>
internal readonly struct AbsFunction : IUnaryFunction, ILocalGradient
{
    public T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Abs(x);
    public void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Abs(x, y);

    public T Invoke<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> => g * (x > T.Zero ? T.One : x < T.Zero ? -T.One : T.Zero);

    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        g * Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<T>.Zero), Vector128<T>.One,
            Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<T>.Zero), -Vector128<T>.One, Vector128<T>.Zero));

    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        g * Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), Vector256<T>.One,
            Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<T>.Zero), -Vector256<T>.One, Vector256<T>.Zero));

    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        g * Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<T>.Zero), Vector512<T>.One,
            Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<T>.Zero), -Vector512<T>.One, Vector512<T>.Zero));
}

/// <summary>tanh x; gradient g·(1 − y²) from the saved output y = tanh x.</summary>
internal readonly struct TanhFunction : IUnaryFunction, ILocalGradient
{
    public T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Tanh(x);

    // float32 through TanhKernel, whose vectors never go through the stack (it says why that matters).
    public void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) TanhKernel.Map(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y));
        else TensorPrimitives.Tanh(x, y);
    }

    public T Invoke<T>(T g, T y) where T : unmanaged, IFloatingPointIeee754<T> => (T.One - y * y) * g;
    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> y) where T : unmanaged, IFloatingPointIeee754<T> => (Vector128<T>.One - y * y) * g;
    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> y) where T : unmanaged, IFloatingPointIeee754<T> => (Vector256<T>.One - y * y) * g;
    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> y) where T : unmanaged, IFloatingPointIeee754<T> => (Vector512<T>.One - y * y) * g;
}

/// <summary>σ(x) = 1/(1+e⁻ˣ); gradient g·y(1 − y) from the saved output y = σ(x).</summary>
internal readonly struct SigmoidFunction : IUnaryFunction, ILocalGradient
{
    public T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.One / (T.One + T.Exp(-x));
    public void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sigmoid(x, y);

    public T Invoke<T>(T g, T y) where T : unmanaged, IFloatingPointIeee754<T> => (T.One - y) * y * g;
    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> y) where T : unmanaged, IFloatingPointIeee754<T> => (Vector128<T>.One - y) * y * g;
    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> y) where T : unmanaged, IFloatingPointIeee754<T> => (Vector256<T>.One - y) * y * g;
    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> y) where T : unmanaged, IFloatingPointIeee754<T> => (Vector512<T>.One - y) * y * g;
}

/// <summary>
/// max(x, 0), NaN staying NaN (as <see cref="TensorPrimitives.Max{T}(ReadOnlySpan{T}, T, Span{T})"/>); gradient: g
/// where the saved output is positive, else 0 (0 at x = 0, as PyTorch).
/// </summary>
internal readonly struct ReluFunction : IUnaryFunction, ILocalGradient
{
    public T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.IsNaN(x) || x > T.Zero ? x : T.Zero;
    public void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Max(x, T.Zero, y);

    // Zero where the output is ≤ 0, g elsewhere — so a NaN output passes g, as PyTorch's threshold_backward does.
    public T Invoke<T>(T g, T y) where T : unmanaged, IFloatingPointIeee754<T> => y <= T.Zero ? T.Zero : g;
    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector128.ConditionalSelect(Vector128.LessThanOrEqual(y, Vector128<T>.Zero), Vector128<T>.Zero, g);
    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector256.ConditionalSelect(Vector256.LessThanOrEqual(y, Vector256<T>.Zero), Vector256<T>.Zero, g);
    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector512.ConditionalSelect(Vector512.LessThanOrEqual(y, Vector512<T>.Zero), Vector512<T>.Zero, g);
}
