using Backprop.NN;
using Backprop.Optim;

namespace Backprop.Tests.Autograd;

/// <summary>
/// Backward passes on several threads at once: each pass's state lives in the pass, not on the tensors, and leaf
/// gradients are summed under a lock, so shared tensors (a shared layer, a frozen pretrained layer) give exact results.
/// </summary>
public class ConcurrentBackwardTests
{
    private static float[] Train(ulong seed, int steps)
    {
        var gen = new Generator(seed);
        var model = new Sequential(new Linear(8, 32, gen), new Tanh(), new Linear(32, 4, gen));
        var opt = new Sgd(model.Parameters(), learningRate: 0.05, momentum: 0.9);
        var x = Tensor.Randn([16, 8], gen);
        int[] labels = [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3];
        for (int i = 0; i < steps; i++)
        {
            opt.ZeroGrad();
            using (TensorScope.Begin()) model.Forward(x).CrossEntropy(labels).Backward();
            opt.Step();
        }
        return [.. model.Parameters().SelectMany(p => p.ToFloatArray())];
    }

    [Fact]
    public void ModelsTrainedOnThreadsAtOnceMatchTheSameTrainingsOneAfterAnother()
    {
        const int models = 4, steps = 40;
        var sequential = Enumerable.Range(0, models).Select(i => Train((ulong)i + 10, steps)).ToArray();
        var concurrent = new float[models][];
        using var start = new Barrier(models);
        var threads = Enumerable.Range(0, models).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            concurrent[i] = Train((ulong)i + 10, steps);
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        for (int i = 0; i < models; i++) Assert.Equal(sequential[i], concurrent[i]);
    }

    [Fact]
    public void TwoThreadsBackpropagatingThroughASharedLayerGetExactGradients()
    {
        // Integer-valued float64 data keep every sum exact in any order, so the expected values are exact. Each thread
        // computes L = Σ W·relu(F·X): W is shared and trained, F is shared and frozen, X is the thread's own. W is the
        // first factor, so a pass parks W's gradient at the start of its backward walk and collects it at the end: the
        // widest window for two passes to collide on it.
        const int passes = 400, n = 8;
        var w = Tensor.Full([n, n], 1.0, DType.Float64, requiresGrad: true);
        var frozen = Tensor.Full([n, n], 2.0, DType.Float64); // a frozen pretrained layer: no gradient of its own
        var inputs = new Tensor[2];
        for (int k = 0; k < 2; k++)
        {
            inputs[k] = Tensor.Full([n, n], k + 1.0, DType.Float64, requiresGrad: true);
        }

        void Passes(Tensor x)
        {
            for (int i = 0; i < passes; i++)
            {
                // h = frozen · x, passed through a chain of relu/+0 steps that keeps it exact and the graph long.
                var h = Tensor.MatMul(frozen, x);
                for (int j = 0; j < 20; j++) h = (h + 0.0).Relu();
                Tensor.MatMul(w, h).Sum().Backward();
            }
        }

        var threads = inputs.Select(x => new Thread(() => Passes(x))).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();

        // Hand derivation, with F = 2·ones, X = c·ones (c = 1, 2) and H = F·X = 2cn·ones (positive, so relu passes it):
        // ∂L/∂W[i,j] = Σ_col H[j,col] = n·2cn per pass; ∂L/∂H = Wᵀ·1 = n·ones, so ∂L/∂X[m,col] = Σ_j F[j,m]·n = 2n² per pass.
        double perPassW(int c) => n * (2.0 * c * n);
        double expectedW = passes * (perPassW(1) + perPassW(2));
        Assert.All(w.Grad!.ToDoubleArray(), v => Assert.Equal(expectedW, v));
        foreach (var x in inputs) Assert.All(x.Grad!.ToDoubleArray(), v => Assert.Equal(passes * 2.0 * n * n, v));
        Assert.Null(frozen.Grad);
    }
}
