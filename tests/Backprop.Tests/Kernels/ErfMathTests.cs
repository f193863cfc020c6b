using System.Runtime.Intrinsics;
using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

/// <summary>
/// The error function against an independent high-precision reference: erf x = (2/√π)·e^(−x²)·Σₙ 2ⁿx^(2n+1)/(2n+1)!!,
/// a series of positive terms (no cancellation) evaluated in <see cref="decimal"/> (28 digits), with e^(x²) and √π
/// computed in decimal too. Double must agree to 2 ulps; float, to 3 float ulps of the double result rounded to float.
/// </summary>
public class ErfMathTests
{
    private const decimal Pi = 3.1415926535897932384626433833m;

    private static decimal Sqrt(decimal v)
    {
        decimal r = (decimal)Math.Sqrt((double)v);
        for (int i = 0; i < 6; i++) r = (r + v / r) / 2;
        return r;
    }

    // The double x exactly (to decimal's 28 digits): mantissa · 2^exponent, halved step by step.
    private static decimal Exact(double x)
    {
        long bits = BitConverter.DoubleToInt64Bits(x);
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0) exponent++; else mantissa |= 1L << 52;
        decimal m = mantissa;
        for (int e = exponent - 1075; e < 0; e++) m /= 2;
        for (int e = exponent - 1075; e > 0; e--) m *= 2;
        return x < 0 ? -m : m;
    }

    private static double Reference(double x)
    {
        decimal a = Exact(Math.Abs(x)), a2 = a * a;
        decimal expA2 = 1, term = 1;
        for (int n = 1; n < 400 && term > 0; n++) expA2 += term = term * a2 / n;
        decimal sum = 0;
        term = a;
        for (int n = 0; n < 1000 && term > 0; n++)
        {
            sum += term;
            term = term * 2 * a2 / (2 * n + 3);
        }
        decimal erf = 2 / Sqrt(Pi) * sum / expA2;
        // Decimal's own conversion to double can be an ulp off: correct it with the exactly converted residual.
        double nearest = (double)erf;
        nearest += (double)(erf - Exact(nearest));
        return x < 0 ? -nearest : nearest;
    }

    private static double Ulps(double expected, double actual) =>
        expected == actual ? 0 : Math.Abs(expected - actual) / (Math.BitIncrement(Math.Abs(expected)) - Math.Abs(expected));

    [Fact]
    public void TheReferenceSeriesIsRight()
    {
        // Tabulated values (Abramowitz & Stegun, table 7.1, and erf(1) to 20 digits): the reference must reproduce them.
        Assert.Equal(0.84270079294971486934, Reference(1.0), 15);
        Assert.Equal(0.52049987781304653768, Reference(0.5), 15);
        Assert.Equal(0.99532226501895273416, Reference(2.0), 15);
        Assert.Equal(0.99997790950300141456, Reference(3.0), 15);
    }

    [Fact]
    public void DoubleIsWithinTwoUlpsOfTheSeriesOnAllThreeIntervals()
    {
        // Decimal holds 28 digits after the point, so the series is a reference from 1e-3 up; below, see the next test.
        var xs = new List<double> { 1e-3, 0.46875, Math.BitDecrement(0.46875), Math.BitIncrement(0.46875), 4.0, Math.BitIncrement(4.0) };
        for (int i = 1; i <= 600; i++) xs.Add(i * 0.01); // 0.01 … 6, every interval and both breakpoints
        double worst = 0;
        foreach (double v in xs)
            foreach (double x in new[] { v, -v })
            {
                double expected = Reference(x), actual = ErfMath.Erf(x);
                double ulps = Ulps(expected, actual);
                worst = Math.Max(worst, ulps);
                Assert.True(ulps <= 2, $"erf({x:R}) = {actual:R}, reference {expected:R} ({ulps:F2} ulps)");
            }
        Assert.True(worst > 0, "the comparison must be able to see a difference"); // sanity: not comparing a value with itself
    }

    [Fact]
    public void DoubleNearZeroIsTheTaylorPolynomial()
    {
        // Below 1e-3, erf x = (2/√π)(x − x³/3 + x⁵/10) to far better than an ulp (the next term is x⁷/42 < 1e-22·x).
        foreach (double x in new[] { 1e-300, 1e-17, 1.11e-16, 2e-16, 1e-8, 1e-5, 9e-4 })
        {
            double x2 = x * x, expected = 1.1283791670955126 * x * (1 - x2 / 3 + x2 * x2 / 10);
            Assert.True(Ulps(expected, ErfMath.Erf(x)) <= 2, $"erf({x:R}) = {ErfMath.Erf(x):R}, expected {expected:R}");
            Assert.Equal(-ErfMath.Erf(x), ErfMath.Erf(-x));
        }
    }

    [Fact]
    public void DoubleAtTheEdges()
    {
        Assert.Equal(0.0, ErfMath.Erf(0.0));
        Assert.True(double.IsNegative(ErfMath.Erf(-0.0)));
        Assert.Equal(1.0, ErfMath.Erf(6.0));
        Assert.Equal(1.0, ErfMath.Erf(26.0));
        Assert.Equal(1.0, ErfMath.Erf(27.0));
        Assert.Equal(1.0, ErfMath.Erf(double.PositiveInfinity));
        Assert.Equal(-1.0, ErfMath.Erf(double.NegativeInfinity));
        Assert.True(double.IsNaN(ErfMath.Erf(double.NaN)));
        Assert.Equal(2 / Math.Sqrt(Math.PI) * 1e-300, ErfMath.Erf(1e-300), 1e-315);
    }

    [Fact]
    public void FloatIsWithinThreeFloatUlpsOfTheDoubleAlgorithm()
    {
        // Every 97th float in [-5, 5] (about 2.2 million values) and the special values. The double result, itself
        // within 2 double ulps of the series, rounded to float is the reference.
        int worstAt = 0;
        double worst = 0;
        int start = BitConverter.SingleToInt32Bits(0f), end = BitConverter.SingleToInt32Bits(5f);
        for (int bits = start; bits <= end; bits += 97)
        {
            float v = BitConverter.Int32BitsToSingle(bits);
            foreach (float x in new[] { v, -v })
            {
                float expected = (float)ErfMath.Erf((double)x), actual = ErfMath.Erf(x);
                double ulps = expected == actual ? 0 : Math.Abs((double)expected - actual) / (MathF.BitIncrement(MathF.Abs(expected)) - MathF.Abs(expected));
                if (ulps > worst) (worst, worstAt) = (ulps, bits);
            }
        }
        Assert.True(worst <= 3, $"float erf is {worst:F2} ulps off at {BitConverter.Int32BitsToSingle(worstAt):R}");
        Assert.Equal(1f, ErfMath.Erf(4f));
        Assert.Equal(1f, ErfMath.Erf(float.PositiveInfinity));
        Assert.Equal(-1f, ErfMath.Erf(float.NegativeInfinity));
        Assert.True(float.IsNaN(ErfMath.Erf(float.NaN)));
        Assert.True(float.IsNegative(ErfMath.Erf(-0f)));
        Assert.Equal(1e-30f * 1.1283791f, ErfMath.Erf(1e-30f), 1e-37f);
    }

    [Fact]
    public void FloatExpOfNonPositiveArgumentsIsWithinOneUlpDownToTheSubnormals()
    {
        // GELU's density e^(−x²/2) and erf's tail factor: against Math.Exp (double, correctly rounded to well under a
        // float ulp) rounded to float, every 61st float in [−104, 0]; a subnormal result may be one subnormal step off.
        double worst = 0;
        int end = BitConverter.SingleToInt32Bits(-104f);
        for (int bits = BitConverter.SingleToInt32Bits(-0f); bits <= end; bits += 61)
        {
            float y = BitConverter.Int32BitsToSingle(bits);
            float expected = (float)Math.Exp(y), actual = ErfMath.ExpNonPositive(Vector128.Create(y)).ToScalar();
            double ulp = expected < 1.17549435e-38f ? float.Epsilon : MathF.BitIncrement(expected) - expected;
            double ulps = Math.Abs((double)expected - actual) / ulp;
            Assert.True(ulps <= 1, $"e^{y:R} = {actual:R}, expected {expected:R} ({ulps:F2} ulps)");
            worst = Math.Max(worst, ulps);
        }
        Assert.True(worst > 0, "the comparison must be able to see a difference");
        foreach (float y in new[] { -104.5f, -1e30f, float.NegativeInfinity })
            Assert.Equal(0f, ErfMath.ExpNonPositive(Vector128.Create(y)).ToScalar());
        Assert.Equal(1f, ErfMath.ExpNonPositive(Vector128.Create(0f)).ToScalar());
    }
}
