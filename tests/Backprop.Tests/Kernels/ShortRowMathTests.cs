using System.Runtime.Intrinsics;
using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

/// <summary>The attention softmax's float exponential against Math.Exp (the independent reference), rounded to float.</summary>
public class ShortRowMathTests
{
    private static float[] Exp(float[] x)
    {
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i += 16)
            ShortRowMath.ExpFloat(Vector512.Create(x.AsSpan(i, 16))).CopyTo(y.AsSpan(i, 16));
        return y;
    }

    [Fact]
    public void Exp_is_within_two_ulps_of_math_exp_over_the_whole_range()
    {
        if (!Vector512.IsHardwareAccelerated) return;
        // Every 997th float pattern from −104 to 88 (about 2.2 M arguments, all exponents and mantissa patterns mixed).
        var xs = new List<float>();
        for (float x = -104f; x <= 88f; x = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(x) + (x < 0 ? -997 : 997)))
        {
            xs.Add(x);
            if (x < 0 && x > -1e-30f) x = 0f;
        }
        while (xs.Count % 16 != 0) xs.Add(0f);
        var x2 = xs.ToArray();
        var y = Exp(x2);
        for (int i = 0; i < x2.Length; i++)
        {
            float expected = (float)Math.Exp(x2[i]);
            if (expected < 1.17549435e-38f)
                Assert.True(Math.Abs(y[i] - expected) <= 1.17549435e-38f, $"exp({x2[i]:R}) = {y[i]:R}, expected {expected:R}");
            else
            {
                int ulps = Math.Abs(BitConverter.SingleToInt32Bits(y[i]) - BitConverter.SingleToInt32Bits(expected));
                Assert.True(ulps <= 2, $"exp({x2[i]:R}) = {y[i]:R}, expected {expected:R} ({ulps} ulps)");
            }
        }
    }

    [Fact]
    public void Exp_edge_values()
    {
        if (!Vector512.IsHardwareAccelerated) return;
        var x = new float[16];
        x[0] = float.NegativeInfinity; x[1] = float.NaN; x[2] = 0f; x[3] = -0f; x[4] = -87.5f; x[5] = -200f; x[6] = 1f;
        var y = Exp(x);
        Assert.Equal(0f, y[0]);
        Assert.True(float.IsNaN(y[1]));
        Assert.Equal(1f, y[2]);
        Assert.Equal(1f, y[3]);
        Assert.Equal(0f, y[4]);
        Assert.Equal(0f, y[5]);
        Assert.True(Math.Abs(y[6] - MathF.E) <= 1e-6f, $"exp(1) = {y[6]:R}");
    }
}
