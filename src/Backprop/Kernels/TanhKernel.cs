using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>
/// tanh over float32 spans with every step inlined into one loop, so the vectors stay in registers.
/// </summary>
/// <remarks>
/// Why not <c>TensorPrimitives.Tanh</c>: its per-vector operator and the exponential it calls are not inlined, so each
/// 64-byte vector goes through the stack three times (argument, argument, return value). The stack is only 16-byte
/// aligned, and where it sits is decided per process by address-space randomisation: when the stack pointer is
/// 16 mod 32, those 64-byte stores and loads split at 32-byte boundaries and tanh takes about twice as long. Measured
/// on the tiny MLP (two tanh layers): 10.2 against 12.3 µs of CPU per step, half of all processes in each mode, the
/// JIT build and the NativeAOT binary alike (docs/performance.md, "NativeAOT against the JIT").
///
/// The function: tanh |x| = |x| + |x|³·P(x²) (its Taylor series to x¹⁹) below 0.55, and 1 − 2/(e^{2|x|} + 1) from
/// there, with |x| capped at 9.5 (beyond 9.01 tanh rounds to 1 in float32); then the sign of x, and NaN for NaN.
/// e^t is Cephes' expf: t = n·ln 2 + r with ln 2 split in two, e^r by a degree-7 polynomial, 2ⁿ from the exponent
/// bits. Within 2 ulp of the exact value (TanhKernelTests). Every width and the scalar tail do the same operations
/// in the same order with no fused multiply-add, so an element rounds the same wherever it falls in a span.
/// </remarks>
internal static class TanhKernel
{
    private const float SeriesLimit = 0.55f;
    private const float Cap = 9.5f;

    // tanh x = x − x³/3 + 2x⁵/15 − …: the coefficients of x³ … x¹⁹ (from the Bernoulli numbers).
    private const float T3 = -0.3333333333333333f, T5 = 0.13333333333333333f, T7 = -0.05396825396825397f,
        T9 = 0.021869488536155203f, T11 = -0.008863235529902197f, T13 = 0.003592128036572481f,
        T15 = -0.0014558343870513183f, T17 = 0.000590027440945586f, T19 = -0.00023912911424355248f;

    // Cephes expf: log2(e), ln 2 = Ln2High + Ln2Low, and the polynomial of e^r = 1 + r + r²·(E2 + r·(E3 + …)).
    private const float Log2E = 1.44269504088896341f, Ln2High = 0.693359375f, Ln2Low = -2.12194440e-4f;
    private const float E2 = 5.0000001201e-1f, E3 = 1.6666665459e-1f, E4 = 4.1665795894e-2f, E5 = 8.3334519073e-3f,
        E6 = 1.3981999507e-3f, E7 = 1.9875691500e-4f;

    /// <summary>y = tanh x over x's length; <paramref name="y"/> may be <paramref name="x"/> itself.</summary>
    public static void Map(ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length < x.Length)
            throw new ArgumentException($"tanh: the output ({y.Length} elements) is shorter than the input ({x.Length})", nameof(y));
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                Tanh(Vector512.LoadUnsafe(ref rx, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                Tanh(Vector256.LoadUnsafe(ref rx, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
        if (Vector128.IsHardwareAccelerated)
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
                Tanh(Vector128.LoadUnsafe(ref rx, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref ry, i) = Tanh(Unsafe.Add(ref rx, i));
    }

    /// <summary>One element, by the same steps as the vector forms.</summary>
    public static float Tanh(float x)
    {
        if (float.IsNaN(x)) return x;
        float a = MathF.Min(MathF.Abs(x), Cap);
        float a2 = a * a;
        float p = (((((((T19 * a2 + T17) * a2 + T15) * a2 + T13) * a2 + T11) * a2 + T9) * a2 + T7) * a2 + T5) * a2 + T3;
        float series = a + a * (a2 * p);

        float t = a + a;
        float k = MathF.Floor(t * Log2E + 0.5f);
        float r = t - k * Ln2High;
        r -= k * Ln2Low;
        float q = ((((E7 * r + E6) * r + E5) * r + E4) * r + E3) * r + E2;
        float e = (q * (r * r) + r + 1f) * BitConverter.Int32BitsToSingle(((int)k + 127) << 23);
        float ratio = 1f - 2f / (e + 1f);

        float result = a < SeriesLimit ? series : ratio;
        return BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(result) | (BitConverter.SingleToInt32Bits(x) & int.MinValue));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        var a = Vector512.Min(Vector512.Abs(x), Vector512.Create(Cap));
        var a2 = a * a;
        var p = (((((((Vector512.Create(T19) * a2 + Vector512.Create(T17)) * a2 + Vector512.Create(T15)) * a2
            + Vector512.Create(T13)) * a2 + Vector512.Create(T11)) * a2 + Vector512.Create(T9)) * a2
            + Vector512.Create(T7)) * a2 + Vector512.Create(T5)) * a2 + Vector512.Create(T3);
        var series = a + a * (a2 * p);

        var t = a + a;
        var k = Vector512.Floor(t * Vector512.Create(Log2E) + Vector512.Create(0.5f));
        var r = t - k * Vector512.Create(Ln2High);
        r -= k * Vector512.Create(Ln2Low);
        var q = ((((Vector512.Create(E7) * r + Vector512.Create(E6)) * r + Vector512.Create(E5)) * r
            + Vector512.Create(E4)) * r + Vector512.Create(E3)) * r + Vector512.Create(E2);
        var scale = ((Vector512.ConvertToInt32(k) + Vector512.Create(127)) << 23).AsSingle();
        var e = (q * (r * r) + r + Vector512<float>.One) * scale;
        var ratio = Vector512<float>.One - Vector512.Create(2f) / (e + Vector512<float>.One);

        var result = Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(SeriesLimit)), series, ratio);
        result = (result.AsUInt32() | (x.AsUInt32() & Vector512.Create(0x8000_0000u))).AsSingle();
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        var a = Vector256.Min(Vector256.Abs(x), Vector256.Create(Cap));
        var a2 = a * a;
        var p = (((((((Vector256.Create(T19) * a2 + Vector256.Create(T17)) * a2 + Vector256.Create(T15)) * a2
            + Vector256.Create(T13)) * a2 + Vector256.Create(T11)) * a2 + Vector256.Create(T9)) * a2
            + Vector256.Create(T7)) * a2 + Vector256.Create(T5)) * a2 + Vector256.Create(T3);
        var series = a + a * (a2 * p);

        var t = a + a;
        var k = Vector256.Floor(t * Vector256.Create(Log2E) + Vector256.Create(0.5f));
        var r = t - k * Vector256.Create(Ln2High);
        r -= k * Vector256.Create(Ln2Low);
        var q = ((((Vector256.Create(E7) * r + Vector256.Create(E6)) * r + Vector256.Create(E5)) * r
            + Vector256.Create(E4)) * r + Vector256.Create(E3)) * r + Vector256.Create(E2);
        var scale = ((Vector256.ConvertToInt32(k) + Vector256.Create(127)) << 23).AsSingle();
        var e = (q * (r * r) + r + Vector256<float>.One) * scale;
        var ratio = Vector256<float>.One - Vector256.Create(2f) / (e + Vector256<float>.One);

        var result = Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(SeriesLimit)), series, ratio);
        result = (result.AsUInt32() | (x.AsUInt32() & Vector256.Create(0x8000_0000u))).AsSingle();
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x)
    {
        var a = Vector128.Min(Vector128.Abs(x), Vector128.Create(Cap));
        var a2 = a * a;
        var p = (((((((Vector128.Create(T19) * a2 + Vector128.Create(T17)) * a2 + Vector128.Create(T15)) * a2
            + Vector128.Create(T13)) * a2 + Vector128.Create(T11)) * a2 + Vector128.Create(T9)) * a2
            + Vector128.Create(T7)) * a2 + Vector128.Create(T5)) * a2 + Vector128.Create(T3);
        var series = a + a * (a2 * p);

        var t = a + a;
        var k = Vector128.Floor(t * Vector128.Create(Log2E) + Vector128.Create(0.5f));
        var r = t - k * Vector128.Create(Ln2High);
        r -= k * Vector128.Create(Ln2Low);
        var q = ((((Vector128.Create(E7) * r + Vector128.Create(E6)) * r + Vector128.Create(E5)) * r
            + Vector128.Create(E4)) * r + Vector128.Create(E3)) * r + Vector128.Create(E2);
        var scale = ((Vector128.ConvertToInt32(k) + Vector128.Create(127)) << 23).AsSingle();
        var e = (q * (r * r) + r + Vector128<float>.One) * scale;
        var ratio = Vector128<float>.One - Vector128.Create(2f) / (e + Vector128<float>.One);

        var result = Vector128.ConditionalSelect(Vector128.LessThan(a, Vector128.Create(SeriesLimit)), series, ratio);
        result = (result.AsUInt32() | (x.AsUInt32() & Vector128.Create(0x8000_0000u))).AsSingle();
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), result, x);
    }
}
