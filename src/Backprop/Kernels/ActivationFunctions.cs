using System.Numerics;
using System.Runtime.Intrinsics;
using static Backprop.Kernels.VectorMath;

namespace Backprop.Kernels;

// The activations of modern networks as operator structs: forward lane by lane in every vector width (VectorLoop) and
// the fused local gradient from the saved input. The formulas, and the order of their operations, are PyTorch's
// (aten/src/ATen/native/cpu/Activation.cpp), so float64 results agree with it to rounding. The scalar forms run the
// vector code on one lane, so every element of a span rounds the same whether it falls in a vector or in the tail.

/// <summary>GELU exact: ½x(1 + erf(x/√2)); gradient g·(Φ(x) + x·φ(x)) from the saved input.</summary>
internal readonly struct GeluFunction : IUnaryFunction, IVectorFunction, ILocalGradient
{
    internal const double Sqrt1Over2 = 0.70710678118654752440, InvSqrt2Pi = 0.39894228040143267794;

    public T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.OneLane(this, x);
    public void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.Map(this, x, y);

    public Vector128<T> Invoke<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        x * Vector128.Create(T.CreateTruncating(0.5)) * (Vector128<T>.One + ErfMath.Erf(x * Vector128.Create(T.CreateTruncating(Sqrt1Over2))));
    public Vector256<T> Invoke<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        x * Vector256.Create(T.CreateTruncating(0.5)) * (Vector256<T>.One + ErfMath.Erf(x * Vector256.Create(T.CreateTruncating(Sqrt1Over2))));
    public Vector512<T> Invoke<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        x * Vector512.Create(T.CreateTruncating(0.5)) * (Vector512<T>.One + ErfMath.Erf(x * Vector512.Create(T.CreateTruncating(Sqrt1Over2))));

    public T Invoke<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> => Invoke(Vector128.Create(g), Vector128.Create(x)).ToScalar();

    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var cdf = Vector128.Create(T.CreateTruncating(0.5)) * (Vector128<T>.One + ErfMath.Erf(x * Vector128.Create(T.CreateTruncating(Sqrt1Over2))));
        var pdf = Vector128.Create(T.CreateTruncating(InvSqrt2Pi)) * Exp(x * x * Vector128.Create(T.CreateTruncating(-0.5)));
        return g * (cdf + x * pdf);
    }

    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var cdf = Vector256.Create(T.CreateTruncating(0.5)) * (Vector256<T>.One + ErfMath.Erf(x * Vector256.Create(T.CreateTruncating(Sqrt1Over2))));
        var pdf = Vector256.Create(T.CreateTruncating(InvSqrt2Pi)) * Exp(x * x * Vector256.Create(T.CreateTruncating(-0.5)));
        return g * (cdf + x * pdf);
    }

    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var cdf = Vector512.Create(T.CreateTruncating(0.5)) * (Vector512<T>.One + ErfMath.Erf(x * Vector512.Create(T.CreateTruncating(Sqrt1Over2))));
        var pdf = Vector512.Create(T.CreateTruncating(InvSqrt2Pi)) * Exp(x * x * Vector512.Create(T.CreateTruncating(-0.5)));
        return g * (cdf + x * pdf);
    }
}

/// <summary>
/// GELU, PyTorch's tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))); gradient from the saved input.
/// </summary>
internal readonly struct GeluTanhFunction : IUnaryFunction, IVectorFunction, ILocalGradient
{
    private const double Beta = 0.79788456080286535588, Kappa = 0.044715;

    public T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.OneLane(this, x);
    public void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.Map(this, x, y);

    public Vector128<T> Invoke<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var inner = Vector128.Create(T.CreateTruncating(Beta)) * (x + Vector128.Create(T.CreateTruncating(Kappa)) * (x * x * x));
        return Vector128.Create(T.CreateTruncating(0.5)) * x * (Vector128<T>.One + Tanh(inner));
    }

    public Vector256<T> Invoke<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var inner = Vector256.Create(T.CreateTruncating(Beta)) * (x + Vector256.Create(T.CreateTruncating(Kappa)) * (x * x * x));
        return Vector256.Create(T.CreateTruncating(0.5)) * x * (Vector256<T>.One + Tanh(inner));
    }

    public Vector512<T> Invoke<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var inner = Vector512.Create(T.CreateTruncating(Beta)) * (x + Vector512.Create(T.CreateTruncating(Kappa)) * (x * x * x));
        return Vector512.Create(T.CreateTruncating(0.5)) * x * (Vector512<T>.One + Tanh(inner));
    }

    public T Invoke<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> => Invoke(Vector128.Create(g), Vector128.Create(x)).ToScalar();

    // d/dx = ½(1 + t) + ½x·(1 − t²)·β(1 + 3κx²), t = tanh(β(x + κx³)).
    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var half = Vector128.Create(T.CreateTruncating(0.5));
        var beta = Vector128.Create(T.CreateTruncating(Beta));
        var kappa = Vector128.Create(T.CreateTruncating(Kappa));
        var sq = x * x;
        var t = Tanh(beta * (x + kappa * (sq * x)));
        var right = half * x * (Vector128<T>.One - t * t) * (beta * (Vector128<T>.One + Vector128.Create(T.CreateTruncating(3.0)) * kappa * sq));
        return g * (half * (Vector128<T>.One + t) + right);
    }

    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var half = Vector256.Create(T.CreateTruncating(0.5));
        var beta = Vector256.Create(T.CreateTruncating(Beta));
        var kappa = Vector256.Create(T.CreateTruncating(Kappa));
        var sq = x * x;
        var t = Tanh(beta * (x + kappa * (sq * x)));
        var right = half * x * (Vector256<T>.One - t * t) * (beta * (Vector256<T>.One + Vector256.Create(T.CreateTruncating(3.0)) * kappa * sq));
        return g * (half * (Vector256<T>.One + t) + right);
    }

    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var half = Vector512.Create(T.CreateTruncating(0.5));
        var beta = Vector512.Create(T.CreateTruncating(Beta));
        var kappa = Vector512.Create(T.CreateTruncating(Kappa));
        var sq = x * x;
        var t = Tanh(beta * (x + kappa * (sq * x)));
        var right = half * x * (Vector512<T>.One - t * t) * (beta * (Vector512<T>.One + Vector512.Create(T.CreateTruncating(3.0)) * kappa * sq));
        return g * (half * (Vector512<T>.One + t) + right);
    }
}

/// <summary>SiLU (swish): x/(1 + e⁻ˣ); gradient g·σ(x)(1 + x(1 − σ(x))) from the saved input.</summary>
internal readonly struct SiluFunction : IUnaryFunction, IVectorFunction, ILocalGradient
{
    public T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.OneLane(this, x);
    public void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.Map(this, x, y);

    public Vector128<T> Invoke<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> => x / (Vector128<T>.One + Exp(-x));
    public Vector256<T> Invoke<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => x / (Vector256<T>.One + Exp(-x));
    public Vector512<T> Invoke<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => x / (Vector512<T>.One + Exp(-x));

    public T Invoke<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> => Invoke(Vector128.Create(g), Vector128.Create(x)).ToScalar();

    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = Vector128<T>.One / (Vector128<T>.One + Exp(-x));
        return g * s * (Vector128<T>.One + x * (Vector128<T>.One - s));
    }

    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = Vector256<T>.One / (Vector256<T>.One + Exp(-x));
        return g * s * (Vector256<T>.One + x * (Vector256<T>.One - s));
    }

    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = Vector512<T>.One / (Vector512<T>.One + Exp(-x));
        return g * s * (Vector512<T>.One + x * (Vector512<T>.One - s));
    }
}

/// <summary>
/// Softplus, PyTorch's form: x where βx &gt; threshold (linear there, where log1p(e^βx)/β equals x in floating
/// point), else log1p(e^βx)/β; gradient g where βx &gt; threshold, else g·z/(z + 1) with z = e^βx.
/// </summary>
internal readonly struct SoftplusFunction(double beta, double threshold) : IUnaryFunction, IVectorFunction, ILocalGradient
{
    public T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.OneLane(this, x);
    public void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.Map(this, x, y);

    public Vector128<T> Invoke<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var b = Vector128.Create(T.CreateTruncating(beta));
        var bx = x * b;
        return Vector128.ConditionalSelect(Vector128.GreaterThan(bx, Vector128.Create(T.CreateTruncating(threshold))), x, Log1p(Exp(bx)) / b);
    }

    public Vector256<T> Invoke<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var b = Vector256.Create(T.CreateTruncating(beta));
        var bx = x * b;
        return Vector256.ConditionalSelect(Vector256.GreaterThan(bx, Vector256.Create(T.CreateTruncating(threshold))), x, Log1p(Exp(bx)) / b);
    }

    public Vector512<T> Invoke<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var b = Vector512.Create(T.CreateTruncating(beta));
        var bx = x * b;
        return Vector512.ConditionalSelect(Vector512.GreaterThan(bx, Vector512.Create(T.CreateTruncating(threshold))), x, Log1p(Exp(bx)) / b);
    }

    public T Invoke<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> => Invoke(Vector128.Create(g), Vector128.Create(x)).ToScalar();

    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var bx = x * Vector128.Create(T.CreateTruncating(beta));
        var z = Exp(bx);
        return Vector128.ConditionalSelect(Vector128.GreaterThan(bx, Vector128.Create(T.CreateTruncating(threshold))), g, g * z / (z + Vector128<T>.One));
    }

    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var bx = x * Vector256.Create(T.CreateTruncating(beta));
        var z = Exp(bx);
        return Vector256.ConditionalSelect(Vector256.GreaterThan(bx, Vector256.Create(T.CreateTruncating(threshold))), g, g * z / (z + Vector256<T>.One));
    }

    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var bx = x * Vector512.Create(T.CreateTruncating(beta));
        var z = Exp(bx);
        return Vector512.ConditionalSelect(Vector512.GreaterThan(bx, Vector512.Create(T.CreateTruncating(threshold))), g, g * z / (z + Vector512<T>.One));
    }
}
