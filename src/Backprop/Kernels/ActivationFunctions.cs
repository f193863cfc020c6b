using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static Backprop.Kernels.VectorMath;

namespace Backprop.Kernels;

// The activations of modern networks as operator structs: forward lane by lane in every vector width (VectorLoop) and
// the fused local gradient from the saved input. The formulas, and the order of their operations, are PyTorch's
// (aten/src/ATen/native/cpu/Activation.cpp), so float64 results agree with it to rounding — except GELU's tanh form,
// rearranged to avoid a cancellation (see there). The scalar forms run the
// vector code on one lane, so every element of a span rounds the same whether it falls in a vector or in the tail.

/// <summary>
/// GELU exact: ½x(1 + erf(x/√2)); gradient g·(Φ(x) + x·φ(x)) from the saved input. In float both are one inline pass
/// (<see cref="ErfMath.GaussianCdf(Vector512{float}, out Vector512{float})"/>: one exponential gives erf's tail and
/// the density), with no call inside the loop; double goes through Cody's erf.
/// </summary>
internal readonly struct GeluFunction : IUnaryFunction, IVectorFunction, ILocalGradient, IValueAndSlope
{
    internal const double Sqrt1Over2 = 0.70710678118654752440, InvSqrt2Pi = 0.39894228040143267794;

    public T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.OneLane(this, x);
    public void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.Map(this, x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<T> Invoke<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) return (x.AsSingle() * ErfMath.GaussianCdf(x.AsSingle(), out _)).As<float, T>();
        return x * Vector128.Create(Constant<T>(0.5)) * (Vector128<T>.One + ErfMath.Erf(x * Vector128.Create(Constant<T>(Sqrt1Over2))));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<T> Invoke<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) return (x.AsSingle() * ErfMath.GaussianCdf(x.AsSingle(), out _)).As<float, T>();
        return x * Vector256.Create(Constant<T>(0.5)) * (Vector256<T>.One + ErfMath.Erf(x * Vector256.Create(Constant<T>(Sqrt1Over2))));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<T> Invoke<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) return (x.AsSingle() * ErfMath.GaussianCdf(x.AsSingle(), out _)).As<float, T>();
        return x * Vector512.Create(Constant<T>(0.5)) * (Vector512<T>.One + ErfMath.Erf(x * Vector512.Create(Constant<T>(Sqrt1Over2))));
    }

    public T Invoke<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> => Invoke(Vector128.Create(g), Vector128.Create(x)).ToScalar();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            var xf = x.AsSingle();
            var cdf = ErfMath.GaussianCdf(xf, out var density);
            return (g.AsSingle() * Vector128.FusedMultiplyAdd(xf, density * Vector128.Create((float)InvSqrt2Pi), cdf)).As<float, T>();
        }
        var cdfd = Vector128.Create(Constant<T>(0.5)) * (Vector128<T>.One + ErfMath.Erf(x * Vector128.Create(Constant<T>(Sqrt1Over2))));
        var pdf = Vector128.Create(Constant<T>(InvSqrt2Pi)) * Exp(x * x * Vector128.Create(Constant<T>(-0.5)));
        return g * (cdfd + x * pdf);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            var xf = x.AsSingle();
            var cdf = ErfMath.GaussianCdf(xf, out var density);
            return (g.AsSingle() * Vector256.FusedMultiplyAdd(xf, density * Vector256.Create((float)InvSqrt2Pi), cdf)).As<float, T>();
        }
        var cdfd = Vector256.Create(Constant<T>(0.5)) * (Vector256<T>.One + ErfMath.Erf(x * Vector256.Create(Constant<T>(Sqrt1Over2))));
        var pdf = Vector256.Create(Constant<T>(InvSqrt2Pi)) * Exp(x * x * Vector256.Create(Constant<T>(-0.5)));
        return g * (cdfd + x * pdf);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            var xf = x.AsSingle();
            var cdf = ErfMath.GaussianCdf(xf, out var density);
            return (g.AsSingle() * Vector512.FusedMultiplyAdd(xf, density * Vector512.Create((float)InvSqrt2Pi), cdf)).As<float, T>();
        }
        var cdfd = Vector512.Create(Constant<T>(0.5)) * (Vector512<T>.One + ErfMath.Erf(x * Vector512.Create(Constant<T>(Sqrt1Over2))));
        var pdf = Vector512.Create(Constant<T>(InvSqrt2Pi)) * Exp(x * x * Vector512.Create(Constant<T>(-0.5)));
        return g * (cdfd + x * pdf);
    }

    // The value and the slope of one pass (linear_gelu): exactly the operations of the forward above and of the local
    // gradient's factor, with the Gaussian's Φ and density (or erf, in double) computed once for both.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<T> Invoke<T>(Vector128<T> x, out Vector128<T> slope) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            var xf = x.AsSingle();
            var cdf = ErfMath.GaussianCdf(xf, out var density);
            slope = Vector128.FusedMultiplyAdd(xf, density * Vector128.Create((float)InvSqrt2Pi), cdf).As<float, T>();
            return (xf * cdf).As<float, T>();
        }
        var erf = ErfMath.Erf(x * Vector128.Create(Constant<T>(Sqrt1Over2)));
        var cdfd = Vector128.Create(Constant<T>(0.5)) * (Vector128<T>.One + erf);
        var pdf = Vector128.Create(Constant<T>(InvSqrt2Pi)) * Exp(x * x * Vector128.Create(Constant<T>(-0.5)));
        slope = cdfd + x * pdf;
        return x * Vector128.Create(Constant<T>(0.5)) * (Vector128<T>.One + erf);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<T> Invoke<T>(Vector256<T> x, out Vector256<T> slope) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            var xf = x.AsSingle();
            var cdf = ErfMath.GaussianCdf(xf, out var density);
            slope = Vector256.FusedMultiplyAdd(xf, density * Vector256.Create((float)InvSqrt2Pi), cdf).As<float, T>();
            return (xf * cdf).As<float, T>();
        }
        var erf = ErfMath.Erf(x * Vector256.Create(Constant<T>(Sqrt1Over2)));
        var cdfd = Vector256.Create(Constant<T>(0.5)) * (Vector256<T>.One + erf);
        var pdf = Vector256.Create(Constant<T>(InvSqrt2Pi)) * Exp(x * x * Vector256.Create(Constant<T>(-0.5)));
        slope = cdfd + x * pdf;
        return x * Vector256.Create(Constant<T>(0.5)) * (Vector256<T>.One + erf);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<T> Invoke<T>(Vector512<T> x, out Vector512<T> slope) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            var xf = x.AsSingle();
            var cdf = ErfMath.GaussianCdf(xf, out var density);
            slope = Vector512.FusedMultiplyAdd(xf, density * Vector512.Create((float)InvSqrt2Pi), cdf).As<float, T>();
            return (xf * cdf).As<float, T>();
        }
        var erf = ErfMath.Erf(x * Vector512.Create(Constant<T>(Sqrt1Over2)));
        var cdfd = Vector512.Create(Constant<T>(0.5)) * (Vector512<T>.One + erf);
        var pdf = Vector512.Create(Constant<T>(InvSqrt2Pi)) * Exp(x * x * Vector512.Create(Constant<T>(-0.5)));
        slope = cdfd + x * pdf;
        return x * Vector512.Create(Constant<T>(0.5)) * (Vector512<T>.One + erf);
    }
}

/// <summary>
/// GELU, PyTorch's tanh approximation ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³), computed as x·σ(2u) — the same
/// function (½(1 + tanh u) = σ(2u)) without the cancellation of 1 + tanh u where tanh u is near −1 (x ≲ −3), which in
/// float loses most digits of the result and of its gradient. Gradient from the saved input:
/// s + 2x·s(1 − s)·√(2/π)(1 + 3·0.044715x²) with s = σ(2u), since ½(1 − tanh²u) = 2s(1 − s).
/// </summary>
internal readonly struct GeluTanhFunction : IUnaryFunction, IVectorFunction, ILocalGradient
{
    private const double Beta = 0.79788456080286535588, Kappa = 0.044715;

    public T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.OneLane(this, x);
    public void Invoke<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.Map(this, x, y);

    // e^(−2u): x/(1 + e^(−2u)) = x·σ(2u).
    private static Vector128<T> ExpMinus2U<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Exp(Vector128.Create(Constant<T>(-2 * Beta)) * (x + Vector128.Create(Constant<T>(Kappa)) * (x * x * x)));
    private static Vector256<T> ExpMinus2U<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Exp(Vector256.Create(Constant<T>(-2 * Beta)) * (x + Vector256.Create(Constant<T>(Kappa)) * (x * x * x)));
    private static Vector512<T> ExpMinus2U<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Exp(Vector512.Create(Constant<T>(-2 * Beta)) * (x + Vector512.Create(Constant<T>(Kappa)) * (x * x * x)));

    public Vector128<T> Invoke<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> => x / (Vector128<T>.One + ExpMinus2U(x));
    public Vector256<T> Invoke<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => x / (Vector256<T>.One + ExpMinus2U(x));
    public Vector512<T> Invoke<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => x / (Vector512<T>.One + ExpMinus2U(x));

    public T Invoke<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> => Invoke(Vector128.Create(g), Vector128.Create(x)).ToScalar();

    // 1 − s is taken as 1 − s where s < ½ (no cancellation) and as s·e where s ≥ ½ (e ≤ 1: exact to rounding, and
    // never ∞·0 where e overflows).
    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var e = ExpMinus2U(x);
        var s = Vector128<T>.One / (Vector128<T>.One + e);
        var rest = Vector128.ConditionalSelect(Vector128.GreaterThan(e, Vector128<T>.One), Vector128<T>.One - s, s * e);
        var slope = Vector128.Create(Constant<T>(2 * Beta)) * (Vector128<T>.One + Vector128.Create(Constant<T>(3 * Kappa)) * (x * x));
        return g * (s + x * s * rest * slope);
    }

    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var e = ExpMinus2U(x);
        var s = Vector256<T>.One / (Vector256<T>.One + e);
        var rest = Vector256.ConditionalSelect(Vector256.GreaterThan(e, Vector256<T>.One), Vector256<T>.One - s, s * e);
        var slope = Vector256.Create(Constant<T>(2 * Beta)) * (Vector256<T>.One + Vector256.Create(Constant<T>(3 * Kappa)) * (x * x));
        return g * (s + x * s * rest * slope);
    }

    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var e = ExpMinus2U(x);
        var s = Vector512<T>.One / (Vector512<T>.One + e);
        var rest = Vector512.ConditionalSelect(Vector512.GreaterThan(e, Vector512<T>.One), Vector512<T>.One - s, s * e);
        var slope = Vector512.Create(Constant<T>(2 * Beta)) * (Vector512<T>.One + Vector512.Create(Constant<T>(3 * Kappa)) * (x * x));
        return g * (s + x * s * rest * slope);
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
        var b = Vector128.Create(Constant<T>(beta));
        var bx = x * b;
        return Vector128.ConditionalSelect(Vector128.GreaterThan(bx, Vector128.Create(Constant<T>(threshold))), x, Log1p(Exp(bx)) / b);
    }

    public Vector256<T> Invoke<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var b = Vector256.Create(Constant<T>(beta));
        var bx = x * b;
        return Vector256.ConditionalSelect(Vector256.GreaterThan(bx, Vector256.Create(Constant<T>(threshold))), x, Log1p(Exp(bx)) / b);
    }

    public Vector512<T> Invoke<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var b = Vector512.Create(Constant<T>(beta));
        var bx = x * b;
        return Vector512.ConditionalSelect(Vector512.GreaterThan(bx, Vector512.Create(Constant<T>(threshold))), x, Log1p(Exp(bx)) / b);
    }

    public T Invoke<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> => Invoke(Vector128.Create(g), Vector128.Create(x)).ToScalar();

    public Vector128<T> Invoke<T>(Vector128<T> g, Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var bx = x * Vector128.Create(Constant<T>(beta));
        var z = Exp(bx);
        return Vector128.ConditionalSelect(Vector128.GreaterThan(bx, Vector128.Create(Constant<T>(threshold))), g, g * z / (z + Vector128<T>.One));
    }

    public Vector256<T> Invoke<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var bx = x * Vector256.Create(Constant<T>(beta));
        var z = Exp(bx);
        return Vector256.ConditionalSelect(Vector256.GreaterThan(bx, Vector256.Create(Constant<T>(threshold))), g, g * z / (z + Vector256<T>.One));
    }

    public Vector512<T> Invoke<T>(Vector512<T> g, Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var bx = x * Vector512.Create(Constant<T>(beta));
        var z = Exp(bx);
        return Vector512.ConditionalSelect(Vector512.GreaterThan(bx, Vector512.Create(Constant<T>(threshold))), g, g * z / (z + Vector512<T>.One));
    }
}
