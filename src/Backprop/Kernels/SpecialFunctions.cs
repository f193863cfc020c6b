using System.Numerics;
using System.Runtime.Intrinsics;
using static Backprop.Kernels.VectorMath;

namespace Backprop.Kernels;

// log1p, erf, sin and cos as operator structs; each gradient reads the saved input. Scalar forms are one lane of the
// vector code (see ActivationFunctions.cs). Gradients follow PyTorch's derivatives.yaml in formula and order.

/// <summary>ln(1 + x), accurate near 0; gradient g/(x + 1).</summary>
internal readonly struct Log1pFunction : IUnaryFunction, IVectorFunction, ILocalGradient
{
    public T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.OneLane(this, x);
    public void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.Map(this, x, y);
    public Vector128<T> Invoke<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Log1p(x);
    public Vector256<T> Invoke<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Log1p(x);
    public Vector512<T> Invoke<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Log1p(x);

    public T Invoke<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> => g / (x + T.One);
    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> => g / (x + Vector128<T>.One);
    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => g / (x + Vector256<T>.One);
    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => g / (x + Vector512<T>.One);
}

/// <summary>erf x (<see cref="ErfMath"/>); gradient g·(2/√π)·e^(−x²).</summary>
internal readonly struct ErfFunction : IUnaryFunction, IVectorFunction, ILocalGradient
{
    private const double TwoOverSqrtPi = 1.12837916709551257390;

    public T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => ErfMath.Erf(x);
    public void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.Map(this, x, y);
    public Vector128<T> Invoke<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> => ErfMath.Erf(x);
    public Vector256<T> Invoke<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => ErfMath.Erf(x);
    public Vector512<T> Invoke<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => ErfMath.Erf(x);

    public T Invoke<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> => Invoke(Vector128.Create(g), Vector128.Create(x)).ToScalar();
    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector128.Create(Constant<T>(TwoOverSqrtPi)) * Exp(-(x * x)) * g;
    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector256.Create(Constant<T>(TwoOverSqrtPi)) * Exp(-(x * x)) * g;
    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector512.Create(Constant<T>(TwoOverSqrtPi)) * Exp(-(x * x)) * g;
}

/// <summary>sin x; gradient g·cos x.</summary>
internal readonly struct SinFunction : IUnaryFunction, IVectorFunction, ILocalGradient
{
    public T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.OneLane(this, x);
    public void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.Map(this, x, y);
    public Vector128<T> Invoke<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Sin(x);
    public Vector256<T> Invoke<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Sin(x);
    public Vector512<T> Invoke<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Sin(x);

    public T Invoke<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> => Invoke(Vector128.Create(g), Vector128.Create(x)).ToScalar();
    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> => g * Cos(x);
    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => g * Cos(x);
    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => g * Cos(x);
}

/// <summary>cos x; gradient g·(−sin x).</summary>
internal readonly struct CosFunction : IUnaryFunction, IVectorFunction, ILocalGradient
{
    public T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.OneLane(this, x);
    public void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.Map(this, x, y);
    public Vector128<T> Invoke<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Cos(x);
    public Vector256<T> Invoke<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Cos(x);
    public Vector512<T> Invoke<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Cos(x);

    public T Invoke<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> => Invoke(Vector128.Create(g), Vector128.Create(x)).ToScalar();
    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> => g * -Sin(x);
    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => g * -Sin(x);
    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => g * -Sin(x);
}
