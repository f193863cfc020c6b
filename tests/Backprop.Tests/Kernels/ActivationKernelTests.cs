using System.Numerics;
using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

/// <summary>
/// The operator structs of GELU, SiLU, softplus, log1p, erf, sin and cos through the one element-wise loop, in float
/// and double, against naive references: each textbook formula evaluated element by element in double with
/// <see cref="Math"/> (and <see cref="ErfMath.Erf(double)"/>, itself checked against a decimal series). Lengths
/// cover the scalar tail only, vector bodies with tails, and spans split over cores.
/// </summary>
public class ActivationKernelTests
{
    private static readonly int[] Lengths = [1, 3, 17, 100, ElementwiseKernel.Chunk * 2 + 37];
    private const double InvSqrt2 = 0.70710678118654752440, InvSqrt2Pi = 0.39894228040143267794, Beta = 0.79788456080286535588;

    private static double[] Values(int n, int seed, double low, double high)
    {
        var rng = new Random(seed);
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = low + (high - low) * rng.NextDouble();
        return v;
    }

    private static T[] As<T>(double[] v) where T : unmanaged, IFloatingPointIeee754<T> => v.Select(T.CreateTruncating).ToArray();

    private static void Near(double expected, double actual, double tol, string what)
    {
        if (double.IsNaN(expected)) Assert.True(double.IsNaN(actual), $"{what}: expected NaN, got {actual}");
        else if (double.IsInfinity(expected)) Assert.Equal(expected, actual);
        else Assert.True(Math.Abs(actual - expected) <= tol * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected:R}, got {actual:R}");
    }

    private static void CheckUnary<TF>(TF f, Func<double, double> reference, double low, double high) where TF : struct, IUnaryFunction
    {
        CheckUnary<float, TF>(f, reference, low, high, 2e-6);
        CheckUnary<double, TF>(f, reference, low, high, 1e-14);
    }

    private static void CheckUnary<T, TF>(TF f, Func<double, double> reference, double low, double high, double tol)
        where T : unmanaged, IFloatingPointIeee754<T> where TF : struct, IUnaryFunction
    {
        foreach (int n in Lengths)
        {
            var x = As<T>(Values(n, n, low, high));
            var y = new T[n];
            ElementwiseKernel.Map(f, x, y);
            for (int i = 0; i < n; i++)
            {
                double xi = double.CreateTruncating(x[i]);
                Near(reference(xi), double.CreateTruncating(y[i]), tol, $"{typeof(TF).Name}<{typeof(T).Name}>({xi:R}) at {i} of {n}");
                // The scalar form is bit-identical to the span form wherever the element falls (vector body or tail).
                Assert.Equal(f.Invoke(x[i]), y[i]);
            }
        }
    }

    private static void CheckGradient<TG>(TG f, Func<double, double, double> reference, double low, double high) where TG : struct, ILocalGradient
    {
        CheckGradient<float, TG>(f, reference, low, high, 2e-6);
        CheckGradient<double, TG>(f, reference, low, high, 1e-14);
    }

    private static void CheckGradient<T, TG>(TG f, Func<double, double, double> reference, double low, double high, double tol)
        where T : unmanaged, IFloatingPointIeee754<T> where TG : struct, ILocalGradient
    {
        foreach (int n in Lengths)
        {
            var g = As<T>(Values(n, 1000 + n, -3, 3));
            var s = As<T>(Values(n, 2000 + n, low, high));
            var d = new T[n];
            ElementwiseKernel.Gradient(f, g, s, d);
            for (int i = 0; i < n; i++)
            {
                double gi = double.CreateTruncating(g[i]), si = double.CreateTruncating(s[i]);
                Near(reference(gi, si), double.CreateTruncating(d[i]), tol, $"{typeof(TG).Name}<{typeof(T).Name}>(g={gi:R}, x={si:R}) at {i} of {n}");
                Assert.Equal(f.Invoke(g[i], s[i]), d[i]);
            }
        }
    }

    private static double GeluReference(double x) => 0.5 * x * (1 + ErfMath.Erf(x * InvSqrt2));
    private static double GeluGradientReference(double g, double x) => g * (0.5 * (1 + ErfMath.Erf(x * InvSqrt2)) + x * InvSqrt2Pi * Math.Exp(-0.5 * x * x));
    private static double GeluTanhReference(double x) => 0.5 * x * (1 + Math.Tanh(Beta * (x + 0.044715 * x * x * x)));
    private static double GeluTanhGradientReference(double g, double x)
    {
        double t = Math.Tanh(Beta * (x + 0.044715 * x * x * x));
        return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * Beta * (1 + 3 * 0.044715 * x * x));
    }
    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
    private static double SoftplusReference(double x, double beta, double threshold) => beta * x > threshold ? x : Math.Log(1 + Math.Exp(beta * x)) / beta;

    [Fact] public void Gelu() => CheckUnary(new GeluFunction(), GeluReference, -8, 8);
    [Fact] public void GeluGradient() => CheckGradient(new GeluFunction(), GeluGradientReference, -8, 8);
    [Fact] public void GeluTanh() => CheckUnary(new GeluTanhFunction(), GeluTanhReference, -8, 8);
    [Fact] public void GeluTanhGradient() => CheckGradient(new GeluTanhFunction(), GeluTanhGradientReference, -8, 8);
    [Fact] public void Silu() => CheckUnary(new SiluFunction(), x => x * Sigmoid(x), -30, 30);
    [Fact] public void SiluGradient() => CheckGradient(new SiluFunction(), (g, x) => g * Sigmoid(x) * (1 + x * (1 - Sigmoid(x))), -30, 30);
    [Fact] public void Softplus() => CheckUnary(new SoftplusFunction(2, 5), x => SoftplusReference(x, 2, 5), -20, 20);
    [Fact] public void SoftplusGradient() => CheckGradient(new SoftplusFunction(2, 5), (g, x) => 2 * x > 5 ? g : g * Sigmoid(2 * x), -20, 20);
    [Fact] public void Log1p() => CheckUnary(new Log1pFunction(), x => Math.Log(1 + x), -0.9, 10);
    [Fact] public void Log1pGradient() => CheckGradient(new Log1pFunction(), (g, x) => g / (1 + x), -0.9, 10);
    [Fact] public void Erf() => CheckUnary(new ErfFunction(), ErfMath.Erf, -6, 6);
    [Fact] public void ErfGradient() => CheckGradient(new ErfFunction(), (g, x) => g * 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x), -6, 6);
    [Fact] public void Sin() => CheckUnary(new SinFunction(), Math.Sin, -10, 10);
    [Fact] public void SinGradient() => CheckGradient(new SinFunction(), (g, x) => g * Math.Cos(x), -10, 10);
    [Fact] public void Cos() => CheckUnary(new CosFunction(), Math.Cos, -10, 10);
    [Fact] public void CosGradient() => CheckGradient(new CosFunction(), (g, x) => -g * Math.Sin(x), -10, 10);

    [Fact]
    public void Log1pKeepsItsDigitsNearZero()
    {
        // ln(1 + x) = x − x²/2 + x³/3 for |x| ≤ 1e-6 to far better than an ulp; the naive Math.Log(1 + x) loses ~10 digits
        // there. Kahan's form is within a few ulps: 2 are allowed.
        foreach (double x in new[] { 1e-6, -1e-6, 3e-9, 1e-12, -1e-15, 1e-300 })
        {
            var y = new double[1];
            new Log1pFunction().Invoke<double>([x], y);
            double expected = x - x * x / 2 + x * x * x / 3;
            Assert.True(Math.Abs(y[0] - expected) <= 4e-16 * Math.Abs(expected), $"log1p({x:R}) = {y[0]:R}, expected {expected:R}");
        }
    }

    [Fact]
    public void GeluFloatKernelIsBitIdenticalForAnyThreadCount()
    {
        // The GPT benchmark's shape: 768 × 512 floats, forward and backward, split over cores or run on one.
        int n = 768 * 512;
        var x = As<float>(Values(n, 7, -6, 6));
        var g = As<float>(Values(n, 8, -1, 1));
        float[] Forward() { var y = new float[n]; ElementwiseKernel.Map(new GeluFunction(), x, y); return y; }
        float[] Backward() { var d = new float[n]; ElementwiseKernel.Gradient(new GeluFunction(), g, x, d); return d; }
        Assert.Equal(WithThreads.Run(1, Forward), WithThreads.Run(2, Forward));
        Assert.Equal(WithThreads.Run(1, Backward), WithThreads.Run(2, Backward));
    }
}
