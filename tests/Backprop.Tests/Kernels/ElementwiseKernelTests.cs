using System.Numerics;
using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

/// <summary>
/// Every element-wise operator struct, run through the one loop (<see cref="ElementwiseKernel"/>) in float and double,
/// against a naive reference: the textbook formula evaluated element by element in double precision with
/// <see cref="Math"/>. Lengths cover the scalar tail only, vector bodies with tails, and spans long enough to be
/// split over cores.
/// </summary>
public class ElementwiseKernelTests
{
    private static readonly int[] Lengths = [1, 3, 17, 100, ElementwiseKernel.Chunk * 2 + 37];

    private static double[] Values(int n, int seed, double low, double high)
    {
        var rng = new Random(seed);
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = low + (high - low) * rng.NextDouble();
        return v;
    }

    private static T[] As<T>(double[] v) where T : unmanaged, IFloatingPointIeee754<T> => v.Select(T.CreateTruncating).ToArray();

    // |actual − expected| ≤ tol·max(1, |expected|), NaN only where NaN is expected.
    private static void Near(double expected, double actual, double tol, string what)
    {
        if (double.IsNaN(expected)) Assert.True(double.IsNaN(actual), $"{what}: expected NaN, got {actual}");
        else if (double.IsInfinity(expected)) Assert.Equal(expected, actual);
        else Assert.True(Math.Abs(actual - expected) <= tol * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected}, got {actual}");
    }

    private static void CheckUnary<TF>(TF f, Func<double, double> reference, double low, double high, params double[] specials)
        where TF : struct, IUnaryFunction
    {
        CheckUnary<float, TF>(f, reference, low, high, specials, 2e-6);
        CheckUnary<double, TF>(f, reference, low, high, specials, 1e-14);
    }

    private static void CheckUnary<T, TF>(TF f, Func<double, double> reference, double low, double high, double[] specials, double tol)
        where T : unmanaged, IFloatingPointIeee754<T> where TF : struct, IUnaryFunction
    {
        foreach (int n in Lengths)
        {
            var input = Values(n, n, low, high);
            if (n >= specials.Length) specials.CopyTo(input, (n - specials.Length) / 2);
            var x = As<T>(input);
            var y = new T[n];
            ElementwiseKernel.Map(f, x, y);
            for (int i = 0; i < n; i++)
            {
                double xi = double.CreateTruncating(x[i]);
                Near(reference(xi), double.CreateTruncating(y[i]), tol, $"{typeof(TF).Name}<{typeof(T).Name}>({xi}) at {i} of {n}");
                // The scalar definition agrees with the span form.
                Near(double.CreateTruncating(y[i]), double.CreateTruncating(f.Invoke(x[i])), tol, $"{typeof(TF).Name} scalar form at {xi}");
            }
        }
    }

    [Fact] public void Negate() => CheckUnary(new NegateFunction(), x => -x, -5, 5, 0.0, double.PositiveInfinity);
    [Fact] public void Exp() => CheckUnary(new ExpFunction(), Math.Exp, -20, 20, 0.0, double.NegativeInfinity);
    [Fact] public void Log() => CheckUnary(new LogFunction(), Math.Log, 1e-3, 1e3, 1.0, 0.0, -1.0);
    [Fact] public void Sqrt() => CheckUnary(new SqrtFunction(), Math.Sqrt, 0, 100, 0.0, 4.0, -1.0);
    [Fact] public void Abs() => CheckUnary(new AbsFunction(), Math.Abs, -5, 5, -0.0, double.NegativeInfinity);
    [Fact] public void Tanh() => CheckUnary(new TanhFunction(), Math.Tanh, -10, 10, 0.0, 30.0, -30.0);
    [Fact] public void Sigmoid() => CheckUnary(new SigmoidFunction(), x => 1 / (1 + Math.Exp(-x)), -20, 20, 0.0, -100.0, 100.0);
    [Fact] public void Relu() => CheckUnary(new ReluFunction(), x => double.IsNaN(x) || x > 0 ? x : 0, -5, 5, 0.0, double.NaN, -1e-30);
    [Fact] public void Positive() => CheckUnary(new PositiveFunction(), x => x > 0 ? 1 : 0, -5, 5, 0.0, double.NaN);
    [Fact] public void NonZero() => CheckUnary(new NonZeroFunction(), x => x != 0 ? 1 : 0, -1, 1, 0.0, -0.0, double.NaN);

    private static void CheckGradient<TG>(TG f, Func<double, double, double> reference, double low, double high)
        where TG : struct, ILocalGradient
    {
        CheckGradient<float, TG>(f, reference, low, high, 1e-6);
        CheckGradient<double, TG>(f, reference, low, high, 1e-15);
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
                Near(reference(gi, si), double.CreateTruncating(d[i]), tol, $"{typeof(TG).Name}<{typeof(T).Name}>(g={gi}, s={si}) at {i} of {n}");
                // Every vector lane rounds exactly as the scalar definition: the result cannot depend on where a tail starts.
                Assert.Equal(f.Invoke(g[i], s[i]), d[i]);
            }
        }
    }

    [Fact] public void ExpGradient() => CheckGradient(new ExpFunction(), (g, y) => g * y, 0, 10);
    [Fact] public void LogGradient() => CheckGradient(new LogFunction(), (g, x) => g / x, 0.1, 10);
    [Fact] public void SqrtGradient() => CheckGradient(new SqrtFunction(), (g, y) => g / (2 * y), 0.1, 10);
    [Fact] public void AbsGradient() => CheckGradient(new AbsFunction(), (g, x) => g * Math.Sign(x), -3, 3);
    [Fact] public void TanhGradient() => CheckGradient(new TanhFunction(), (g, y) => g * (1 - y * y), -1, 1);
    [Fact] public void SigmoidGradient() => CheckGradient(new SigmoidFunction(), (g, y) => g * y * (1 - y), 0, 1);
    [Fact] public void ReluGradient() => CheckGradient(new ReluFunction(), (g, y) => y > 0 ? g : 0, -1, 1);
    [Fact] public void ClampGradient() => CheckGradient(new ClampGradient(-0.5, 0.25), (g, x) => x >= -0.5 && x <= 0.25 ? g : 0, -1, 1);
    [Fact] public void MaximumWithConstantGradient() => CheckGradient(new ConstantExtremumGradient(0.25, max: true), (g, x) => x > 0.25 ? g : 0, -1, 1);
    [Fact] public void MinimumWithConstantGradient() => CheckGradient(new ConstantExtremumGradient(0.25, max: false), (g, x) => x < 0.25 ? g : 0, -1, 1);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ConstantExtremumGradientSplitsATieAndKeepsTheBounds(bool max)
    {
        // Exact values: the constant itself (a tie: half), and the bounds of clamp (inside: the whole gradient).
        float[] x = [0.25f, 0.25f, -0.5f, 0.25f, 0.3f], g = [2, 4, 8, 16, 32];
        var share = new float[5];
        ElementwiseKernel.Gradient(new ConstantExtremumGradient(0.25, max), g.AsSpan(0, 2), x.AsSpan(0, 2), share.AsSpan(0, 2));
        Assert.Equal([1f, 2f], share[..2]);
        var clamp = new float[5];
        ElementwiseKernel.Gradient(new ClampGradient(-0.5, 0.25), g, x, clamp);
        Assert.Equal([2f, 4f, 8f, 16f, 0f], clamp);
    }

    private static void CheckBinary<TF>(TF f, Func<double, double, double> reference, double low, double high)
        where TF : struct, IBinaryFunction
    {
        CheckBinary<float, TF>(f, reference, low, high, 2e-6);
        CheckBinary<double, TF>(f, reference, low, high, 1e-14);
    }

    private static void CheckBinary<T, TF>(TF f, Func<double, double, double> reference, double low, double high, double tol)
        where T : unmanaged, IFloatingPointIeee754<T> where TF : struct, IBinaryFunction
    {
        foreach (int n in Lengths)
        {
            var a = As<T>(Values(n, 3000 + n, low, high));
            var b = As<T>(Values(n, 4000 + n, low, high));
            T s = T.CreateTruncating(0.75 * low + 0.25 * high);
            double sd = double.CreateTruncating(s);
            T[] both = new T[n], right = new T[n], left = new T[n];
            ElementwiseKernel.Zip(f, a, b, both);
            ElementwiseKernel.Zip(f, a, s, scalarFirst: false, right);
            ElementwiseKernel.Zip(f, a, s, scalarFirst: true, left);
            for (int i = 0; i < n; i++)
            {
                double ai = double.CreateTruncating(a[i]), bi = double.CreateTruncating(b[i]);
                string what = $"{typeof(TF).Name}<{typeof(T).Name}> at {i} of {n}";
                Near(reference(ai, bi), double.CreateTruncating(both[i]), tol, what + " span, span");
                Near(reference(ai, sd), double.CreateTruncating(right[i]), tol, what + " span, scalar");
                Near(reference(sd, ai), double.CreateTruncating(left[i]), tol, what + " scalar, span");
                Near(reference(ai, bi), double.CreateTruncating(f.Invoke(a[i], b[i])), tol, what + " scalar form");
            }
        }
    }

    [Fact] public void Add() => CheckBinary(new AddFunction(), (a, b) => a + b, -5, 5);
    [Fact] public void Subtract() => CheckBinary(new SubtractFunction(), (a, b) => a - b, -5, 5);
    [Fact] public void Multiply() => CheckBinary(new MultiplyFunction(), (a, b) => a * b, -5, 5);
    [Fact] public void Divide() => CheckBinary(new DivideFunction(), (a, b) => a / b, 0.5, 5);
    [Fact] public void Pow() => CheckBinary(new PowFunction(), Math.Pow, 0.5, 3);
    [Fact] public void Max() => CheckBinary(new MaxFunction(), Math.Max, -5, 5);
    [Fact] public void Min() => CheckBinary(new MinFunction(), Math.Min, -5, 5);

    [Fact]
    public void MaxAndMinPropagateNaNFromEitherSide()
    {
        double[] a = [double.NaN, 1, 2], b = [1, double.NaN, 1];
        var y = new double[3];
        ElementwiseKernel.Zip(new MaxFunction(), a, b, y);
        Assert.True(double.IsNaN(y[0]) && double.IsNaN(y[1]) && y[2] == 2);
        Assert.True(double.IsNaN(new MaxFunction().Invoke(double.NaN, 1.0)) && double.IsNaN(new MaxFunction().Invoke(1.0, double.NaN)));
        Assert.True(double.IsNaN(new MinFunction().Invoke(double.NaN, 1.0)) && double.IsNaN(new MinFunction().Invoke(1.0, double.NaN)));
    }

    [Fact]
    public void BroadcastingMatchesANaiveLoopAlsoWhenSplitOverCores()
    {
        // [300, 1, 40] − [7, 1] → [300, 7, 40]: 84,000 elements, more than one work item; then a strided (transposed) operand.
        int n = 300, m = 7, k = 40;
        var a = As<double>(Values(n * k, 5, -1, 1));
        var b = As<double>(Values(m, 6, -1, 1));
        var y = new double[n * m * k];
        BinaryKernel.Apply(new SubtractFunction(), a, 0, [k, 0, 1], b, 0, [0, 1, 0], y, [n, m, k]);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                for (int l = 0; l < k; l++)
                    Assert.Equal(a[i * k + l] - b[j], y[(i * m + j) * k + l]);

        // a read as its transpose [k, n] against a row [n]: every inner row is strided.
        var t = new double[k * n];
        BinaryKernel.Apply(new MultiplyFunction(), a, 0, [1, k], a, 0, [0, k], t, [k, n]);
        for (int l = 0; l < k; l++)
            for (int i = 0; i < n; i++)
                Assert.Equal(a[i * k + l] * a[i * k], t[l * n + i]);

        // No elements: nothing to do, and no arithmetic on the empty axis.
        BinaryKernel.Apply(new AddFunction(), a, 0, [0, 1], b, 0, [1, 0], Array.Empty<double>(), [0, 3]);
    }

    [Fact]
    public void OneLongStridedRowIsSplitOverCoresAndMatchesANaiveLoop()
    {
        // Every other element of a [2n] buffer against a contiguous [n]: the operands coalesce to one row of 100,000,
        // which must be cut into pieces (more than one thread) and still give each element its own f(a, b).
        int n = 100_000;
        var a = As<double>(Values(2 * n, 7, -1, 1));
        var b = As<double>(Values(n, 8, -1, 1));
        var y = WithThreads.Run(2, () =>
        {
            var r = new double[n];
            BinaryKernel.Apply(new MultiplyFunction(), a, 1, [2], b, 0, [1], r, [n]);
            return r;
        });
        for (int i = 0; i < n; i++) Assert.Equal(a[1 + 2 * i] * b[i], y[i]);
    }
}
