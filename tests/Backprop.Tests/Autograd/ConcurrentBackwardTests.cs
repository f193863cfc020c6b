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
        OnThreadsAtOnce(models, i => concurrent[i] = Train((ulong)i + 10, steps));
        for (int i = 0; i < models; i++) Assert.Equal(sequential[i], concurrent[i]);
    }

    [Fact]
    public void TwoThreadsBackpropagatingThroughASharedLayerGetExactGradients()
    {
        // Each thread computes L = Σ W·relu(F·X) many times: W [n, n] is shared and trained (its gradient is summed by
        // both threads' passes), F is shared and frozen (a pretrained layer: no gradient), X [n, m] is the thread's own.
        // W is large, so summing into W.Grad takes a good part of each pass and the two threads' sums overlap often.
        // Integer-valued float64 data keep every sum exact in any order, so the expected values are exact.
        const int passes = 150, n = 256, m = 2;
        var w = Tensor.Full([n, n], 1.0, DType.Float64, requiresGrad: true);
        var frozen = Tensor.Full([n, n], 2.0, DType.Float64);
        var inputs = new[] { 1.0, 2.0 }.Select(c => Tensor.Full([n, m], c, DType.Float64, requiresGrad: true)).ToArray();

        void Passes(Tensor x)
        {
            for (int i = 0; i < passes; i++)
                Tensor.MatMul(w, Tensor.MatMul(frozen, x).Relu()).Sum().Backward();
        }

        OnThreadsAtOnce(inputs.Length, i => Passes(inputs[i]));

        // Hand derivation, with F = 2·ones, X = c·ones (c = 1, 2) and H = F·X = 2cn·ones (positive, so relu passes it):
        // ∂L/∂W[i,j] = Σ_col H[j,col] = m·2cn per pass; ∂L/∂H = Wᵀ·1 = n·ones, so ∂L/∂X[k,col] = Σ_j F[j,k]·n = 2n² per pass.
        AssertAllEqual(passes * (m * 2.0 * 1 * n + m * 2.0 * 2 * n), w.Grad!, "W");
        foreach (var x in inputs) AssertAllEqual(passes * 2.0 * n * n, x.Grad!, "X");
        Assert.Null(frozen.Grad);
    }

    /// <summary>
    /// Runs body(0) … body(count - 1) on threads of their own, started together; an exception on any of them fails the
    /// test here (on a bare thread it would end the test process instead).
    /// </summary>
    private static void OnThreadsAtOnce(int count, Action<int> body)
    {
        var failures = new Exception?[count];
        using var start = new Barrier(count);
        var threads = Enumerable.Range(0, count).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            try { body(i); }
            catch (Exception e) { failures[i] = e; }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        if (failures.Any(e => e is not null))
            throw new AggregateException($"{failures.Count(e => e is not null)} of {count} threads failed", failures.OfType<Exception>());
    }

    private static void AssertAllEqual(double expected, Tensor actual, string what)
    {
        var wrong = actual.ToDoubleArray().Where(v => v != expected).ToArray();
        Assert.True(wrong.Length == 0, $"{what}: {wrong.Length} of {actual.Numel} gradient entries differ from {expected}, e.g. {wrong.FirstOrDefault()}");
    }
}
