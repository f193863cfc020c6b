using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>
/// The error function erf x = (2/√π)∫₀ˣ e^(−t²) dt, which .NET does not provide. Double: W. J. Cody's rational
/// Chebyshev approximations ("Rational Chebyshev approximations for the error function", Math. Comp. 23, 1969,
/// 631–638), near-minimax to ~18 digits on three intervals. Float: two polynomials evaluated in float with
/// fused multiply-adds, branch-free so they vectorise, within 2.3 float ulps of the true value (fitted by
/// <c>tools/erf_float_fit.py</c>, which states the measured error).
/// </summary>
internal static class ErfMath
{
    // Cody's coefficients. |x| ≤ 0.46875: erf x = x·A(x²)/B(x²).
    private const double A0 = 3.1611237438705656, A1 = 113.864154151050156, A2 = 377.485237685302021, A3 = 3209.37758913846947, A4 = 0.185777706184603153;
    private const double B0 = 23.6012909523441209, B1 = 244.024637934444173, B2 = 1282.61652607737228, B3 = 2844.23683343917062;

    // 0.46875 < |x| ≤ 4: erfc x = e^(−x²)·C(x)/D(x).
    private const double C0 = 0.564188496988670089, C1 = 8.88314979438837594, C2 = 66.1191906371416295, C3 = 298.635138197400131,
        C4 = 881.95222124176909, C5 = 1712.04761263407058, C6 = 2051.07837782607147, C7 = 1230.33935479799725, C8 = 2.15311535474403846e-8;
    private const double D0 = 15.7449261107098347, D1 = 117.693950891312499, D2 = 537.181101862009858, D3 = 1621.38957456669019,
        D4 = 3290.79923573345963, D5 = 4362.61909014324716, D6 = 3439.36767414372164, D7 = 1230.33935480374942;

    // |x| > 4: erfc x = e^(−x²)/|x| · (1/√π − z·P(z)/Q(z)) with z = 1/x².
    private const double P0 = 0.305326634961232344, P1 = 0.360344899949804439, P2 = 0.125781726111229246, P3 = 0.0160837851487422766,
        P4 = 6.58749161529837803e-4, P5 = 0.0163153871373020978;
    private const double Q0 = 2.56852019228982242, Q1 = 1.87295284992346047, Q2 = 0.527905102951428412, Q3 = 0.0605183413124413191,
        Q4 = 0.00233520497626869185;

    private const double InvSqrtPi = 0.56418958354775628695;

    // Below this x² would underflow and 2x/√π is exact; above Big erfc underflows (erf is ±1).
    private const double Small = 1.11e-16, Big = 26.543;

    /// <summary>erf x in double precision.</summary>
    public static double Erf(double x)
    {
        double y = Math.Abs(x);
        if (y <= 0.46875)
        {
            double z = y > Small ? y * y : 0;
            double num = (((A4 * z + A0) * z + A1) * z + A2) * z;
            double den = (((z + B0) * z + B1) * z + B2) * z;
            return x * (num + A3) / (den + B3);
        }
        if (double.IsNaN(x)) return x;
        double erfc;
        if (y >= Big) erfc = 0;
        else
        {
            double r;
            if (y <= 4)
            {
                double num = C8 * y, den = y;
                num = (num + C0) * y; den = (den + D0) * y;
                num = (num + C1) * y; den = (den + D1) * y;
                num = (num + C2) * y; den = (den + D2) * y;
                num = (num + C3) * y; den = (den + D3) * y;
                num = (num + C4) * y; den = (den + D4) * y;
                num = (num + C5) * y; den = (den + D5) * y;
                num = (num + C6) * y; den = (den + D6) * y;
                r = (num + C7) / (den + D7);
            }
            else
            {
                double z = 1 / (y * y);
                double num = P5 * z, den = z;
                num = (num + P0) * z; den = (den + Q0) * z;
                num = (num + P1) * z; den = (den + Q1) * z;
                num = (num + P2) * z; den = (den + Q2) * z;
                num = (num + P3) * z; den = (den + Q3) * z;
                r = (InvSqrtPi - z * (num + P4) / (den + Q4)) / y;
            }
            // e^(−y²) as e^(−h²)·e^(−(y−h)(y+h)) with h = y rounded down to 1/16: h² is exact, so the rounding of y²
            // (an absolute error of up to y²·2⁻⁵³ in the exponent) does not become a relative error of the result.
            double h = Math.Truncate(y * 16) / 16;
            double del = (y - h) * (y + h);
            erfc = Math.Exp(-h * h) * Math.Exp(-del) * r;
        }
        double erf = (0.5 - erfc) + 0.5;
        return x < 0 ? -erf : erf;
    }

    // Float: |x| < 1: erf x = x·S(x²); 1 ≤ |x|: 1 − e^(−x²)·L(|x| − 2.5) with |x| clamped to 4 (erf rounds to 1 beyond 3.92).
    private const float S0 = 1.128379107e+00f, S1 = -3.761262596e-01f, S2 = 1.128359735e-01f, S3 = -2.685432881e-02f,
        S4 = 5.189312156e-03f, S5 = -8.018855006e-04f, S6 = 7.882497448e-05f;
    private const float L0 = 2.108063549e-01f, L1 = -7.434733957e-02f, L2 = 2.493820339e-02f, L3 = -8.001696318e-03f,
        L4 = 2.465982456e-03f, L5 = -7.331467350e-04f, L6 = 2.129720815e-04f, L7 = -5.952952779e-05f, L8 = 1.435366266e-05f,
        L9 = -3.744433343e-06f, L10 = 1.671801783e-06f, L11 = -4.269337239e-07f;

    /// <summary>erf x in float precision (the vector code on one lane, so a loop's tail matches its body).</summary>
    public static float Erf(float x) => Erf(Vector128.Create(x)).ToScalar();

    public static Vector128<float> Erf(Vector128<float> x)
    {
        var a = Vector128.Abs(x);
        var s = a * a;
        var p = Vector128.FusedMultiplyAdd(Vector128.Create(S6), s, Vector128.Create(S5));
        p = Vector128.FusedMultiplyAdd(p, s, Vector128.Create(S4));
        p = Vector128.FusedMultiplyAdd(p, s, Vector128.Create(S3));
        p = Vector128.FusedMultiplyAdd(p, s, Vector128.Create(S2));
        p = Vector128.FusedMultiplyAdd(p, s, Vector128.Create(S1));
        p = Vector128.FusedMultiplyAdd(p, s, Vector128.Create(S0));
        var small = x * p;
        var c = Vector128.Min(Vector128.Max(a, Vector128<float>.One), Vector128.Create(4f));
        var u = c - Vector128.Create(2.5f);
        var l = Vector128.FusedMultiplyAdd(Vector128.Create(L11), u, Vector128.Create(L10));
        l = Vector128.FusedMultiplyAdd(l, u, Vector128.Create(L9));
        l = Vector128.FusedMultiplyAdd(l, u, Vector128.Create(L8));
        l = Vector128.FusedMultiplyAdd(l, u, Vector128.Create(L7));
        l = Vector128.FusedMultiplyAdd(l, u, Vector128.Create(L6));
        l = Vector128.FusedMultiplyAdd(l, u, Vector128.Create(L5));
        l = Vector128.FusedMultiplyAdd(l, u, Vector128.Create(L4));
        l = Vector128.FusedMultiplyAdd(l, u, Vector128.Create(L3));
        l = Vector128.FusedMultiplyAdd(l, u, Vector128.Create(L2));
        l = Vector128.FusedMultiplyAdd(l, u, Vector128.Create(L1));
        l = Vector128.FusedMultiplyAdd(l, u, Vector128.Create(L0));
        var large = Vector128.CopySign(Vector128.FusedMultiplyAdd(-Vector128.Exp(-(c * c)), l, Vector128<float>.One), x);
        var result = Vector128.ConditionalSelect(Vector128.LessThan(a, Vector128<float>.One), small, large);
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), result, x); // NaN stays NaN
    }

    public static Vector256<float> Erf(Vector256<float> x)
    {
        var a = Vector256.Abs(x);
        var s = a * a;
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(S6), s, Vector256.Create(S5));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(S4));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(S3));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(S2));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(S1));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(S0));
        var small = x * p;
        var c = Vector256.Min(Vector256.Max(a, Vector256<float>.One), Vector256.Create(4f));
        var u = c - Vector256.Create(2.5f);
        var l = Vector256.FusedMultiplyAdd(Vector256.Create(L11), u, Vector256.Create(L10));
        l = Vector256.FusedMultiplyAdd(l, u, Vector256.Create(L9));
        l = Vector256.FusedMultiplyAdd(l, u, Vector256.Create(L8));
        l = Vector256.FusedMultiplyAdd(l, u, Vector256.Create(L7));
        l = Vector256.FusedMultiplyAdd(l, u, Vector256.Create(L6));
        l = Vector256.FusedMultiplyAdd(l, u, Vector256.Create(L5));
        l = Vector256.FusedMultiplyAdd(l, u, Vector256.Create(L4));
        l = Vector256.FusedMultiplyAdd(l, u, Vector256.Create(L3));
        l = Vector256.FusedMultiplyAdd(l, u, Vector256.Create(L2));
        l = Vector256.FusedMultiplyAdd(l, u, Vector256.Create(L1));
        l = Vector256.FusedMultiplyAdd(l, u, Vector256.Create(L0));
        var large = Vector256.CopySign(Vector256.FusedMultiplyAdd(-Vector256.Exp(-(c * c)), l, Vector256<float>.One), x);
        var result = Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256<float>.One), small, large);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
    }

    public static Vector512<float> Erf(Vector512<float> x)
    {
        var a = Vector512.Abs(x);
        var s = a * a;
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(S6), s, Vector512.Create(S5));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(S4));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(S3));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(S2));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(S1));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(S0));
        var small = x * p;
        var c = Vector512.Min(Vector512.Max(a, Vector512<float>.One), Vector512.Create(4f));
        var u = c - Vector512.Create(2.5f);
        var l = Vector512.FusedMultiplyAdd(Vector512.Create(L11), u, Vector512.Create(L10));
        l = Vector512.FusedMultiplyAdd(l, u, Vector512.Create(L9));
        l = Vector512.FusedMultiplyAdd(l, u, Vector512.Create(L8));
        l = Vector512.FusedMultiplyAdd(l, u, Vector512.Create(L7));
        l = Vector512.FusedMultiplyAdd(l, u, Vector512.Create(L6));
        l = Vector512.FusedMultiplyAdd(l, u, Vector512.Create(L5));
        l = Vector512.FusedMultiplyAdd(l, u, Vector512.Create(L4));
        l = Vector512.FusedMultiplyAdd(l, u, Vector512.Create(L3));
        l = Vector512.FusedMultiplyAdd(l, u, Vector512.Create(L2));
        l = Vector512.FusedMultiplyAdd(l, u, Vector512.Create(L1));
        l = Vector512.FusedMultiplyAdd(l, u, Vector512.Create(L0));
        var large = Vector512.CopySign(Vector512.FusedMultiplyAdd(-Vector512.Exp(-(c * c)), l, Vector512<float>.One), x);
        var result = Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512<float>.One), small, large);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);
    }


    // e^y, y ≤ 0 (Cephes expf): ln 2 split so n·Ln2High is exact, the polynomial for (e^r − 1 − r)/r².
    private const float ExpFloor = -104f, Log2E = 1.44269504088896341f, Ln2High = 0.693359375f, Ln2Low = -2.12194440e-4f, TwoToMinus64 = 5.42101086e-20f;
    private const float E6 = 1.9875691500e-4f, E5 = 1.3981999507e-3f, E4 = 8.3334519073e-3f, E3 = 4.1665795894e-2f, E2 = 1.6666665459e-1f,
        E1 = 5.0000001201e-1f;
    private const float Sqrt1Over2 = 0.70710678118654752440f;

    /// <summary>
    /// e^y in float for y ≤ 0 (Cephes' expf: Cody–Waite reduction by n·ln 2, n = round(y/ln 2), and a degree-7 polynomial
    /// on |r| ≤ ½ln 2, within 1 ulp), inline so a kernel's loop has no call. 2ⁿ is built in the exponent bits as
    /// 2ⁿ⁺⁶⁴·2⁻⁶⁴, so results down to the subnormals round once; y below −104 (and −∞) gives 0. NaN is not handled:
    /// the callers' results carry x's NaN by another path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> ExpNonPositive(Vector512<float> y)
    {
        y = Vector512.Max(y, Vector512.Create(ExpFloor));
        var n = Vector512.Round(y * Vector512.Create(Log2E));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2High), y);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Low), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(E6), r, Vector512.Create(E5));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(E4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(E3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(E2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(E1));
        var e = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
        var scale = Vector512.ShiftLeft(Vector512.ConvertToInt32Native(n) + Vector512.Create(127 + 64), 23).AsSingle();
        return e * scale * Vector512.Create(TwoToMinus64);
    }

    /// <summary>
    /// GELU's Φ(x) = ½(1 + erf(x/√2)) in float, and e^(−x²/2) (for φ, the gradient's density) from the same pass: the erf
    /// is <see cref="Erf(Vector512{float})"/>'s two polynomials, but its tail factor e^(−z²), z = x/√2, is taken as
    /// e^(−x²/2), which is the same value without the rounding of z, so one exponential serves both. Φ is evaluated as
    /// PyTorch does, ½(1 + erf), which cancels for x ≲ −3 just as PyTorch's does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> GaussianCdf(Vector512<float> x, out Vector512<float> density)
    {
        var z = x * Vector512.Create(Sqrt1Over2);
        var a = Vector512.Abs(z);
        var s = a * a;
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(S6), s, Vector512.Create(S5));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(S4));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(S3));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(S2));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(S1));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(S0));
        var small = z * p;
        var u = Vector512.Min(Vector512.Max(a, Vector512<float>.One), Vector512.Create(4f)) - Vector512.Create(2.5f);
        var l = Vector512.FusedMultiplyAdd(Vector512.Create(L11), u, Vector512.Create(L10));
        l = Vector512.FusedMultiplyAdd(l, u, Vector512.Create(L9));
        l = Vector512.FusedMultiplyAdd(l, u, Vector512.Create(L8));
        l = Vector512.FusedMultiplyAdd(l, u, Vector512.Create(L7));
        l = Vector512.FusedMultiplyAdd(l, u, Vector512.Create(L6));
        l = Vector512.FusedMultiplyAdd(l, u, Vector512.Create(L5));
        l = Vector512.FusedMultiplyAdd(l, u, Vector512.Create(L4));
        l = Vector512.FusedMultiplyAdd(l, u, Vector512.Create(L3));
        l = Vector512.FusedMultiplyAdd(l, u, Vector512.Create(L2));
        l = Vector512.FusedMultiplyAdd(l, u, Vector512.Create(L1));
        l = Vector512.FusedMultiplyAdd(l, u, Vector512.Create(L0));
        density = ExpNonPositive(x * x * Vector512.Create(-0.5f));
        var large = Vector512.CopySign(Vector512.FusedMultiplyAdd(-density, l, Vector512<float>.One), z);
        var erf = Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512<float>.One), small, large);
        return Vector512.Create(0.5f) * (Vector512<float>.One + erf);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> ExpNonPositive(Vector256<float> y)
    {
        y = Vector256.Max(y, Vector256.Create(ExpFloor));
        var n = Vector256.Round(y * Vector256.Create(Log2E));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2High), y);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Low), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(E6), r, Vector256.Create(E5));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(E4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(E3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(E2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(E1));
        var e = Vector256.FusedMultiplyAdd(p, r * r, r) + Vector256<float>.One;
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32Native(n) + Vector256.Create(127 + 64), 23).AsSingle();
        return e * scale * Vector256.Create(TwoToMinus64);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> GaussianCdf(Vector256<float> x, out Vector256<float> density)
    {
        var z = x * Vector256.Create(Sqrt1Over2);
        var a = Vector256.Abs(z);
        var s = a * a;
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(S6), s, Vector256.Create(S5));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(S4));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(S3));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(S2));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(S1));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(S0));
        var small = z * p;
        var u = Vector256.Min(Vector256.Max(a, Vector256<float>.One), Vector256.Create(4f)) - Vector256.Create(2.5f);
        var l = Vector256.FusedMultiplyAdd(Vector256.Create(L11), u, Vector256.Create(L10));
        l = Vector256.FusedMultiplyAdd(l, u, Vector256.Create(L9));
        l = Vector256.FusedMultiplyAdd(l, u, Vector256.Create(L8));
        l = Vector256.FusedMultiplyAdd(l, u, Vector256.Create(L7));
        l = Vector256.FusedMultiplyAdd(l, u, Vector256.Create(L6));
        l = Vector256.FusedMultiplyAdd(l, u, Vector256.Create(L5));
        l = Vector256.FusedMultiplyAdd(l, u, Vector256.Create(L4));
        l = Vector256.FusedMultiplyAdd(l, u, Vector256.Create(L3));
        l = Vector256.FusedMultiplyAdd(l, u, Vector256.Create(L2));
        l = Vector256.FusedMultiplyAdd(l, u, Vector256.Create(L1));
        l = Vector256.FusedMultiplyAdd(l, u, Vector256.Create(L0));
        density = ExpNonPositive(x * x * Vector256.Create(-0.5f));
        var large = Vector256.CopySign(Vector256.FusedMultiplyAdd(-density, l, Vector256<float>.One), z);
        var erf = Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256<float>.One), small, large);
        return Vector256.Create(0.5f) * (Vector256<float>.One + erf);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> ExpNonPositive(Vector128<float> y)
    {
        y = Vector128.Max(y, Vector128.Create(ExpFloor));
        var n = Vector128.Round(y * Vector128.Create(Log2E));
        var r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2High), y);
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Low), r);
        var p = Vector128.FusedMultiplyAdd(Vector128.Create(E6), r, Vector128.Create(E5));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(E4));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(E3));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(E2));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(E1));
        var e = Vector128.FusedMultiplyAdd(p, r * r, r) + Vector128<float>.One;
        var scale = Vector128.ShiftLeft(Vector128.ConvertToInt32Native(n) + Vector128.Create(127 + 64), 23).AsSingle();
        return e * scale * Vector128.Create(TwoToMinus64);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> GaussianCdf(Vector128<float> x, out Vector128<float> density)
    {
        var z = x * Vector128.Create(Sqrt1Over2);
        var a = Vector128.Abs(z);
        var s = a * a;
        var p = Vector128.FusedMultiplyAdd(Vector128.Create(S6), s, Vector128.Create(S5));
        p = Vector128.FusedMultiplyAdd(p, s, Vector128.Create(S4));
        p = Vector128.FusedMultiplyAdd(p, s, Vector128.Create(S3));
        p = Vector128.FusedMultiplyAdd(p, s, Vector128.Create(S2));
        p = Vector128.FusedMultiplyAdd(p, s, Vector128.Create(S1));
        p = Vector128.FusedMultiplyAdd(p, s, Vector128.Create(S0));
        var small = z * p;
        var u = Vector128.Min(Vector128.Max(a, Vector128<float>.One), Vector128.Create(4f)) - Vector128.Create(2.5f);
        var l = Vector128.FusedMultiplyAdd(Vector128.Create(L11), u, Vector128.Create(L10));
        l = Vector128.FusedMultiplyAdd(l, u, Vector128.Create(L9));
        l = Vector128.FusedMultiplyAdd(l, u, Vector128.Create(L8));
        l = Vector128.FusedMultiplyAdd(l, u, Vector128.Create(L7));
        l = Vector128.FusedMultiplyAdd(l, u, Vector128.Create(L6));
        l = Vector128.FusedMultiplyAdd(l, u, Vector128.Create(L5));
        l = Vector128.FusedMultiplyAdd(l, u, Vector128.Create(L4));
        l = Vector128.FusedMultiplyAdd(l, u, Vector128.Create(L3));
        l = Vector128.FusedMultiplyAdd(l, u, Vector128.Create(L2));
        l = Vector128.FusedMultiplyAdd(l, u, Vector128.Create(L1));
        l = Vector128.FusedMultiplyAdd(l, u, Vector128.Create(L0));
        density = ExpNonPositive(x * x * Vector128.Create(-0.5f));
        var large = Vector128.CopySign(Vector128.FusedMultiplyAdd(-density, l, Vector128<float>.One), z);
        var erf = Vector128.ConditionalSelect(Vector128.LessThan(a, Vector128<float>.One), small, large);
        return Vector128.Create(0.5f) * (Vector128<float>.One + erf);
    }

    /// <summary>erf for either float type: the float polynomial or Cody's double algorithm.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Erf<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Unsafe.BitCast<float, T>(Erf(Unsafe.BitCast<T, float>(x))) : Unsafe.BitCast<double, T>(Erf(Unsafe.BitCast<T, double>(x)));

    // Double vectors go lane by lane through the branchy algorithm: the float path is the hot one.
    public static Vector128<T> Erf<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) return Erf(x.AsSingle()).As<float, T>();
        var d = x.AsDouble();
        return Vector128.Create(Erf(d.GetElement(0)), Erf(d.GetElement(1))).As<double, T>();
    }

    public static Vector256<T> Erf<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Erf(x.AsSingle()).As<float, T>() : Vector256.Create(Erf(x.GetLower()), Erf(x.GetUpper()));

    public static Vector512<T> Erf<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Erf(x.AsSingle()).As<float, T>() : Vector512.Create(Erf(x.GetLower()), Erf(x.GetUpper()));
}
