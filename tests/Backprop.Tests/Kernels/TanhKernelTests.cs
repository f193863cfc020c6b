using System.Runtime.Intrinsics;
using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

/// <summary>
/// <see cref="TanhKernel"/>, float32's own tanh: within 2 ulp of the exact value (Math.Tanh in double) over every
/// 257th float from 0 to 16 and densely around the switch from series to exponential, the same bits in every
/// vector width and in the scalar tail, and the special values.
/// </summary>
public class TanhKernelTests
{
    private const double MaxUlps = 2;

    // Every 257th positive float below 16 (about 4 million), both signs, and every float within ±2¹⁶ ulp of 0.55.
    private static float[] Sweep()
    {
        var values = new List<float>();
        for (int bits = 0; bits < BitConverter.SingleToInt32Bits(16f); bits += 257) values.Add(BitConverter.Int32BitsToSingle(bits));
        int switchBits = BitConverter.SingleToInt32Bits(0.55f);
        for (int bits = switchBits - 65536; bits <= switchBits + 65536; bits++) values.Add(BitConverter.Int32BitsToSingle(bits));
        return [.. values, .. values.Select(v => -v)];
    }

    private static double Ulps(float actual, double exact)
    {
        float rounded = (float)exact;
        double ulp = MathF.BitIncrement(MathF.Abs(rounded)) - MathF.Abs(rounded);
        return Math.Abs(actual - exact) / ulp;
    }

    [Fact]
    public void WithinTwoUlpOfTheExactValue()
    {
        var x = Sweep();
        var y = new float[x.Length];
        TanhKernel.Map(x, y);
        double worst = 0;
        float worstAt = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double ulps = Ulps(y[i], Math.Tanh(x[i]));
            if (ulps > worst) (worst, worstAt) = (ulps, x[i]);
        }
        Assert.True(worst <= MaxUlps, $"tanh({worstAt:R}) is {worst:F2} ulp from the exact value (allowed {MaxUlps})");
    }

    [Fact]
    public void EveryWidthAndTheScalarFormGiveTheSameBits()
    {
        var x = Sweep();
        for (int i = 0; i < x.Length; i++)
        {
            float scalar = TanhKernel.Tanh(x[i]);
            Assert.Equal(BitConverter.SingleToInt32Bits(scalar), BitConverter.SingleToInt32Bits(TanhKernel.Tanh(Vector128.Create(x[i])).GetElement(0)));
            Assert.Equal(BitConverter.SingleToInt32Bits(scalar), BitConverter.SingleToInt32Bits(TanhKernel.Tanh(Vector256.Create(x[i])).GetElement(3)));
            Assert.Equal(BitConverter.SingleToInt32Bits(scalar), BitConverter.SingleToInt32Bits(TanhKernel.Tanh(Vector512.Create(x[i])).GetElement(7)));
        }
    }

    [Fact]
    public void SpanBodiesAndTailsAgreeAndMayBeInPlace()
    {
        var rng = new Random(3);
        foreach (int n in new[] { 1, 3, 4, 7, 8, 15, 16, 17, 31, 33, 100 })
        {
            var x = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 12 - 6)).ToArray();
            var y = new float[n];
            TanhKernel.Map(x, y);
            for (int i = 0; i < n; i++) Assert.Equal(TanhKernel.Tanh(x[i]), y[i]);
            TanhKernel.Map(x, x);
            Assert.Equal(y, x);
        }
    }

    [Fact]
    public void SpecialValues()
    {
        float[] x = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 9.02f, -9.5f, 100f, float.MaxValue, float.Epsilon, -1e-30f];
        var y = new float[x.Length];
        TanhKernel.Map(x, y);
        Assert.Equal(BitConverter.SingleToInt32Bits(0f), BitConverter.SingleToInt32Bits(y[0]));
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(y[1]));
        Assert.Equal(1f, y[2]);
        Assert.Equal(-1f, y[3]);
        Assert.True(float.IsNaN(y[4]));
        Assert.Equal(1f, y[5]);
        Assert.Equal(-1f, y[6]);
        Assert.Equal(1f, y[7]);
        Assert.Equal(1f, y[8]);
        Assert.Equal(float.Epsilon, y[9]);
        Assert.Equal(-1e-30f, y[10]);
    }

    [Fact]
    public void AShorterOutputIsAnError()
    {
        var e = Assert.Throws<ArgumentException>(() => TanhKernel.Map(new float[4], new float[3]));
        Assert.Contains("shorter than the input", e.Message);
    }
}
