using Backprop.Cli.Bench;

namespace Backprop.Tests.Autograd;

/// <summary>
/// `bench hvp` compares forward mode with the forward pass and its tangent written out by hand; that comparison means
/// something only if the hand-written tangents compute the same numbers as Functional.Jvp (in float64, on small sizes).
/// </summary>
public class HvpWorkloadTests
{
    private static Tensor R(int seed, params int[] shape) => Tensor.Normal(shape, 0, 0.5, new Generator((ulong)seed), DType.Float64);

    private static void Close(Tensor expected, Tensor actual)
    {
        var (e, a) = (expected.ToDoubleArray(), actual.ToDoubleArray());
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= 1e-12 * Math.Max(1, Math.Abs(e[i])), $"[{i}]: {e[i]:R} vs {a[i]:R}");
    }

    [Fact]
    public void TheHandWrittenMlpTangentIsTheJvp()
    {
        // A 6-5-4-3 version of the benchmark's MLP.
        Tensor[] w = [R(1, 5, 6), R(2, 5), R(3, 4, 5), R(4, 4), R(5, 3, 4), R(6, 3)];
        Tensor[] dw = [R(7, 5, 6), R(8, 5), R(9, 4, 5), R(10, 4), R(11, 3, 4), R(12, 3)];
        var x = R(13, 7, 6);
        int[] labels = [0, 2, 1, 1, 0, 2, 2];
        var (value, tangent) = HvpWorkload.MlpTangent(x, labels, w, dw);
        var jvp = Functional.Jvp(p => HvpWorkload.MlpLoss(x, labels, p), w, dw);
        Close(jvp.Value, value);
        Close(jvp.Tangent, tangent);
    }

    [Fact]
    public void TheHandWrittenChainTangentIsTheJvp()
    {
        var (x, dx) = (R(14, 50), R(15, 50));
        var (value, tangent) = HvpWorkload.ChainTangent(x, dx);
        var jvp = Functional.Jvp(HvpWorkload.Chain, x, dx);
        Close(jvp.Value, value);
        Close(jvp.Tangent, tangent);
    }

    [Fact]
    public void TheBatchedPerExampleGradientsAreTheLoops()
    {
        // vmap_grad_mlp compares Vmap(Grad) with the per-example loop: the same numbers, on a 6-5-4-3 MLP.
        Tensor[] w = [R(16, 5, 6), R(17, 5), R(18, 4, 5), R(19, 4), R(20, 3, 4), R(21, 3)];
        var x = R(22, 7, 6);
        var labels = Tensor.FromArray(new[] { 0, 2, 1, 1, 0, 2, 2 });
        var batched = Functional.Vmap(Functional.Grad(HvpWorkload.ExampleLoss, withRespectTo: [0, 1, 2, 3, 4, 5]),
            [null, null, null, null, null, null, 0, 0])([.. w, x, labels]);
        var loop = HvpWorkload.PerExampleLoop(w, x, labels);
        Assert.Equal(loop.Length, batched.Length);
        for (int k = 0; k < loop.Length; k++)
        {
            Assert.Equal(loop[k].ShapeArray, batched[k].ShapeArray);
            Close(loop[k], batched[k]);
        }
    }
}
