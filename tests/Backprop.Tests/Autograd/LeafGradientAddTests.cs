namespace Backprop.Tests.Autograd;

/// <summary>
/// A linear layer adds its weight and bias gradients straight into the parameters' existing Grad (its GEMM starting
/// from that buffer) instead of handing the engine a gradient tensor to add in. The sums must be the ones the general
/// path forms: bit for bit after ZeroGrad, the same up to rounding when gradients accumulate over passes, and exact
/// when several layers or threads share the weight.
/// </summary>
public class LeafGradientAddTests
{
    /// <summary>Sees every step and asks for the general path (the default of <see cref="IBackwardObserver"/>).</summary>
    private sealed class CountingObserver(bool allowsAdding) : IBackwardObserver
    {
        public int Leaves;
        public void OnStep(Tensor output, Node node, Tensor upstream, ReadOnlySpan<Tensor?> inputGradients) { }
        public void OnLeaf(Tensor leaf, Tensor gradient) => Leaves++;
        public bool AllowsAddingIntoLeafGradients => allowsAdding;
    }

    private static (Tensor X, Tensor W, Tensor B) Layer(DType dtype, ulong seed)
    {
        var gen = new Generator(seed);
        var x = Tensor.Randn([64, 30], gen, dtype);
        var w = Tensor.Randn([20, 30], gen, dtype);
        var b = Tensor.Randn([20], gen, dtype);
        w.RequiresGrad = b.RequiresGrad = true;
        return (x, w, b);
    }

    /// <summary>Three passes, zeroing the gradients before the second: the first creates Grad, the second adds into it.</summary>
    private static (double[] W, double[] B)[] ThreePasses(Func<Tensor, Tensor, Tensor, Tensor> loss, DType dtype, IBackwardObserver? observer)
    {
        var (x, w, b) = Layer(dtype, 7);
        var results = new (double[], double[])[3];
        for (int pass = 0; pass < 3; pass++)
        {
            if (pass == 1) { w.ZeroGrad(); b.ZeroGrad(); }
            var l = loss(x, w, b);
            if (observer is null) l.Backward();
            else l.Backward(observer);
            results[pass] = (w.Grad!.ToDoubleArray(), b.Grad!.ToDoubleArray());
        }
        return results;
    }

    public static TheoryData<string, DType> Layers() => new()
    {
        { "linear", DType.Float32 }, { "linear", DType.Float64 },
        { "linear_relu", DType.Float32 }, { "linear_gelu", DType.Float32 },
    };

    private static Func<Tensor, Tensor, Tensor, Tensor> LossOf(string layer) => layer switch
    {
        "linear" => (x, w, b) => Tensor.Linear(x, w, b).Square().Sum(),
        "linear_relu" => (x, w, b) => Backprop.Ops.LinearOp.Apply(x, w, b, relu: true).Square().Sum(),
        _ => (x, w, b) => Tensor.LinearGelu(x, w, b).Square().Sum(),
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void GradientsAddedIntoGradAreTheGeneralPathsBitForBitAfterZeroGrad(string layer, DType dtype)
    {
        var direct = ThreePasses(LossOf(layer), dtype, observer: null);
        var general = ThreePasses(LossOf(layer), dtype, new CountingObserver(allowsAdding: false));
        for (int pass = 0; pass < 2; pass++)
        {
            Assert.Equal(general[pass].W, direct[pass].W);
            Assert.Equal(general[pass].B, direct[pass].B);
        }
        // The third pass adds to a non-zero gradient: the GEMM sums into it rather than adding its own sum at the end,
        // so only rounding may differ.
        double tolerance = dtype == DType.Float32 ? 1e-5 : 1e-12;
        for (int i = 0; i < general[2].W.Length; i++)
            Assert.True(Math.Abs(general[2].W[i] - direct[2].W[i]) <= tolerance * (1 + Math.Abs(general[2].W[i])), $"W[{i}]: {direct[2].W[i]} against {general[2].W[i]}");
        for (int i = 0; i < general[2].B.Length; i++)
            Assert.True(Math.Abs(general[2].B[i] - direct[2].B[i]) <= tolerance * (1 + Math.Abs(general[2].B[i])), $"B[{i}]: {direct[2].B[i]} against {general[2].B[i]}");
        // And the accumulated gradient is twice the zeroed pass's (same inputs): the sum reached Grad, not a copy of it.
        for (int i = 0; i < direct[2].W.Length; i++)
            Assert.True(Math.Abs(direct[2].W[i] - 2 * direct[1].W[i]) <= tolerance * (1 + Math.Abs(direct[2].W[i])), $"W[{i}] after accumulating");
    }

    [Fact]
    public void AnObserverSeesEveryLeafGradientUnlessItAllowsAddingIntoGrad()
    {
        var (x, w, b) = Layer(DType.Float32, 3);
        Tensor.Linear(x, w, b).Sum().Backward(); // Grad now exists
        var seeing = new CountingObserver(allowsAdding: false);
        Tensor.Linear(x, w, b).Sum().Backward(seeing);
        Assert.Equal(2, seeing.Leaves);
        var profiling = new CountingObserver(allowsAdding: true);
        Tensor.Linear(x, w, b).Sum().Backward(profiling);
        Assert.Equal(0, profiling.Leaves);
    }

    [Fact]
    public void AWeightSharedByTwoLayersGetsBothLayersGradients()
    {
        // Integer-valued float64 data: every sum is exact in any order, so the expected values are exact.
        var w = Tensor.Full([4, 4], 1.0, DType.Float64, requiresGrad: true);
        var x = Tensor.Full([3, 4], 2.0, DType.Float64);
        for (int pass = 0; pass < 2; pass++)
        {
            w.ZeroGrad();
            // L = Σ Linear(Linear(x, W), W): ∂L/∂W = Σ over both uses; with H = x·Wᵀ = 8·ones [3, 4]:
            // outer use: Σ_rows H = 24 per entry; inner use: upstream Wᵀ-summed = 4 per row, times x = 2, over 3 rows = 24.
            Tensor.Linear(Tensor.Linear(x, w), w).Sum().Backward();
            Assert.All(w.Grad!.ToDoubleArray(), v => Assert.Equal(48.0, v));
        }
    }

    [Fact]
    public void ThreadsBackpropagatingThroughOneLinearLayerAddUpExactly()
    {
        const int passes = 100, n = 128;
        var w = Tensor.Full([n, n], 1.0, DType.Float64, requiresGrad: true);
        var b = Tensor.Full([n], 0.0, DType.Float64, requiresGrad: true);
        Tensor.Linear(Tensor.Full([1, n], 0.0, DType.Float64), w, b).Sum().Backward();
        w.ZeroGrad();
        b.ZeroGrad();
        var inputs = new[] { 1.0, 2.0 }.Select(c => Tensor.Full([4, n], c, DType.Float64)).ToArray();
        var threads = inputs.Select(x => new Thread(() =>
        {
            for (int i = 0; i < passes; i++) Tensor.Linear(x, w, b).Sum().Backward();
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        // ∂(Σ x·Wᵀ + b)/∂W[i,j] = Σ_rows x[r, j] = 4c per pass; ∂/∂b = 4 per pass.
        Assert.All(w.Grad!.ToDoubleArray(), v => Assert.Equal(passes * (4.0 * 1 + 4.0 * 2), v));
        Assert.All(b.Grad!.ToDoubleArray(), v => Assert.Equal(passes * 2 * 4.0, v));
    }
}
