using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

/// <summary>
/// The fused attention kernel against a naive reference: per slice, the scores S = Q·Kᵀ·scale by triple loops in
/// double, −∞ where the causal mask excludes a key, a max-subtracted softmax P, O = P·V; backward dV = Pᵀ·dO,
/// dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(P ⊙ dP)), dQ = dS·K·scale, dK = dSᵀ·Q·scale.
/// </summary>
public class AttentionKernelTests
{
    private sealed record Result(double[] O, double[] P, double[] Dq, double[] Dk, double[] Dv);

    private static Result Naive(double[] q, double[] k, double[] v, double[] dO, AttentionShape s)
    {
        int l = s.QueryLength, n = s.KeyLength, e = s.HeadSize, ev = s.ValueSize;
        var o = new double[s.Slices * l * ev];
        var p = new double[s.Slices * l * n];
        var dq = new double[q.Length];
        var dk = new double[k.Length];
        var dv = new double[v.Length];
        for (int b = 0; b < s.Slices; b++)
        {
            int qo = b * l * e, ko = b * n * e, vo = b * n * ev, oo = b * l * ev, po = b * l * n;
            for (int i = 0; i < l; i++)
            {
                var scores = new double[n];
                double max = double.NegativeInfinity;
                for (int j = 0; j < n; j++)
                {
                    if (s.Causal && j > i) { scores[j] = double.NegativeInfinity; continue; }
                    double dot = 0;
                    for (int d = 0; d < e; d++) dot += q[qo + i * e + d] * k[ko + j * e + d];
                    scores[j] = dot * s.Scale;
                    max = Math.Max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j < n; j++) sum += scores[j] = Math.Exp(scores[j] - max);
                for (int j = 0; j < n; j++)
                {
                    p[po + i * n + j] = scores[j] / sum;
                    for (int d = 0; d < ev; d++) o[oo + i * ev + d] += p[po + i * n + j] * v[vo + j * ev + d];
                }
                var dp = new double[n];
                double rowDot = 0;
                for (int j = 0; j < n; j++)
                {
                    for (int d = 0; d < ev; d++) dp[j] += dO[oo + i * ev + d] * v[vo + j * ev + d];
                    rowDot += p[po + i * n + j] * dp[j];
                }
                for (int j = 0; j < n; j++)
                {
                    double pij = p[po + i * n + j], ds = pij * (dp[j] - rowDot) * s.Scale;
                    for (int d = 0; d < e; d++)
                    {
                        dq[qo + i * e + d] += ds * k[ko + j * e + d];
                        dk[ko + j * e + d] += ds * q[qo + i * e + d];
                    }
                    for (int d = 0; d < ev; d++) dv[vo + j * ev + d] += pij * dO[oo + i * ev + d];
                }
            }
        }
        return new Result(o, p, dq, dk, dv);
    }

    private static (T[] O, T[] P, T[] Dq, T[] Dk, T[] Dv) Fused<T>(T[] q, T[] k, T[] v, T[] dO, AttentionShape s)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int l = s.QueryLength, n = s.KeyLength;
        var ql = SliceLayout.Dense(s.Slices, l, s.HeadSize);
        var kl = SliceLayout.Dense(s.Slices, n, s.HeadSize);
        var vl = SliceLayout.Dense(s.Slices, n, s.ValueSize);
        var ol = SliceLayout.Dense(s.Slices, l, s.ValueSize);
        var o = new T[s.Slices * l * s.ValueSize];
        var p = new T[s.Slices * l * n];
        var dq = new T[q.Length];
        var dk = new T[k.Length];
        var dv = new T[v.Length];
        AttentionKernel.Forward<T>(q, ql, k, kl, v, vl, o, ol, p, s);
        AttentionKernel.Backward<T>(q, ql, k, kl, v, vl, p, dO, ol, dq, ql, dk, kl, dv, vl, s);
        return (o, p, dq, dk, dv);
    }

    private static void Close(double[] expected, double[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])), $"{what}[{i}]: {actual[i]} vs {expected[i]}");
    }

    [Theory]
    [InlineData(3, 5, 5, 4, 4, false)]
    [InlineData(3, 5, 5, 4, 4, true)]
    [InlineData(2, 64, 64, 32, 32, true)]   // GPT's head: 64 positions of 32
    [InlineData(2, 7, 19, 9, 5, false)]     // L ≠ S, value width ≠ key width, no length a multiple of a vector
    [InlineData(1, 20, 13, 3, 2, true)]     // causal with more queries than keys
    [InlineData(2, 7, 32, 16, 16, false)]   // the tiled path (whole vectors) with a partial tile of query rows
    [InlineData(1, 70, 48, 16, 32, true)]   // the tiled path, causal with more queries than keys
    [InlineData(2, 21, 48, 32, 16, true)]   // the tiled path, causal with fewer queries than keys and a partial tile
    public void Double_and_float_match_the_naive_formulas(int slices, int l, int n, int e, int ev, bool causal)
    {
        var s = new AttentionShape(slices, l, n, e, ev, 1 / Math.Sqrt(e), causal);
        var q = Conv2dKernelTests.Random(slices * l * e, 1);
        var k = Conv2dKernelTests.Random(slices * n * e, 2);
        var v = Conv2dKernelTests.Random(slices * n * ev, 3);
        var dO = Conv2dKernelTests.Random(slices * l * ev, 4);
        var expected = Naive(q, k, v, dO, s);

        var d = Fused(q, k, v, dO, s);
        Close(expected.O, d.O, 1e-13, "O");
        Close(expected.P, d.P, 1e-13, "P");
        Close(expected.Dq, d.Dq, 1e-12, "dQ");
        Close(expected.Dk, d.Dk, 1e-12, "dK");
        Close(expected.Dv, d.Dv, 1e-12, "dV");

        static float[] F(double[] a) => a.Select(x => (float)x).ToArray();
        static double[] D(float[] a) => a.Select(x => (double)x).ToArray();
        var f = Fused(F(q), F(k), F(v), F(dO), s);
        Close(expected.O, D(f.O), 1e-5, "O (float)");
        Close(expected.Dq, D(f.Dq), 1e-4, "dQ (float)");
        Close(expected.Dk, D(f.Dk), 1e-4, "dK (float)");
        Close(expected.Dv, D(f.Dv), 1e-4, "dV (float)");
    }

    [Fact]
    public void Masked_probabilities_are_exactly_zero()
    {
        var s = new AttentionShape(1, 6, 6, 3, 2, 0.5, Causal: true);
        var d = Fused(Conv2dKernelTests.Random(18, 5), Conv2dKernelTests.Random(18, 6), Conv2dKernelTests.Random(12, 7), new double[12], s);
        for (int i = 0; i < 6; i++)
            for (int j = i + 1; j < 6; j++) Assert.Equal(0.0, d.P[i * 6 + j]);
        // Row 0 sees only key 0: its output is v[0] itself.
        Assert.Equal(1.0, d.P[0]);
    }

    [Fact]
    public void Huge_scores_stay_finite()
    {
        // Scores near ±1e4: a softmax without the max subtracted would overflow to ∞/∞.
        var s = new AttentionShape(1, 4, 4, 2, 2, 1, Causal: false);
        var q = Conv2dKernelTests.Random(8, 8).Select(x => (float)(100 * x)).ToArray();
        var k = Conv2dKernelTests.Random(8, 9).Select(x => (float)(100 * x)).ToArray();
        var f = Fused(q, k, new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }, new float[8], s);
        Assert.All(f.O, x => Assert.True(float.IsFinite(x)));
        Assert.All(f.P, x => Assert.True(x >= 0 && x <= 1));
    }

    [Fact]
    public void Results_are_bit_identical_for_one_and_two_threads()
    {
        // GPT's attention: 12·4 slices of 64 positions with heads of 32, causal.
        var s = new AttentionShape(48, 64, 64, 32, 32, 1 / Math.Sqrt(32), Causal: true);
        var q = Conv2dKernelTests.Random(48 * 64 * 32, 10).Select(x => (float)x).ToArray();
        var k = Conv2dKernelTests.Random(48 * 64 * 32, 11).Select(x => (float)x).ToArray();
        var v = Conv2dKernelTests.Random(48 * 64 * 32, 12).Select(x => (float)x).ToArray();
        var dO = Conv2dKernelTests.Random(48 * 64 * 32, 13).Select(x => (float)x).ToArray();
        var one = WithThreads.Run(1, () => Fused(q, k, v, dO, s));
        var two = WithThreads.Run(2, () => Fused(q, k, v, dO, s));
        Assert.Equal(one.O, two.O);
        Assert.Equal(one.P, two.P);
        Assert.Equal(one.Dq, two.Dq);
        Assert.Equal(one.Dk, two.Dk);
        Assert.Equal(one.Dv, two.Dv);
    }
}
