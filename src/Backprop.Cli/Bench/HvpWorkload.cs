using System.Diagnostics;

namespace Backprop.Cli.Bench;

/// <summary>
/// hvp_mlp: the Hessian-vector product (<see cref="Functional.Hvp(Func{Tensor[], Tensor}, Tensor[], Tensor[], bool)"/>)
/// of the 784-256-128-10 ReLU MLP's cross-entropy loss on a batch of 64 with respect to all its weights, in ms, beside
/// one ordinary forward+backward of the same loss (the ratio is the figure to hold at 3 or under); jvp_mlp and
/// jvp_elementwise: the Jacobian-vector product (the double-VJP construction) of the same loss and of an element-wise
/// chain on 2²⁰ numbers, beside a forward+backward and beside the forward pass with its tangent written out by hand —
/// what dual tensors would compute, the floor of any forward mode; vmap_grad_mlp: per-example gradients of the MLP's loss
/// in all its weights by Vmap(Grad) in one call, beside the per-example loop. Float32, seeded random data, best of 15
/// interleaved rounds.
/// tools/hvp_reference.py measures the same with PyTorch.
/// </summary>
public static class HvpWorkload
{
    private const int Batch = 64, Repetitions = 15;

    public static IEnumerable<BenchResult> Run(CancellationToken cancellation)
    {
        var gen = new Generator(0);
        int[] sizes = [784, 256, 128, 10];
        var parameters = new List<Tensor>();
        for (int layer = 0; layer + 1 < sizes.Length; layer++)
        {
            // nn.Linear's initialisation: U(−1/√fan_in, 1/√fan_in).
            double bound = 1 / Math.Sqrt(sizes[layer]);
            parameters.Add(Tensor.Uniform([sizes[layer + 1], sizes[layer]], -bound, bound, gen));
            parameters.Add(Tensor.Uniform([sizes[layer + 1]], -bound, bound, gen));
        }
        var p = parameters.ToArray();
        var v = p.Select(t => Tensor.RandnLike(t, gen)).ToArray();
        var x = Tensor.Randn([Batch, 784], gen);
        var labels = Enumerable.Range(0, Batch).Select(_ => gen.NextInt(10)).ToArray();
        Tensor Loss(Tensor[] w) => MlpLoss(x, labels, w);

        var leaves = p.Select(t => { var c = t.Clone(); c.RequiresGrad = true; return c; }).ToArray();
        var mlp = Interleaved(10, cancellation,
            () => Backprop.Autograd.Grad(Loss(leaves), leaves),
            () => Functional.Hvp(Loss, p, v),
            () => Functional.Jvp(Loss, p, v),
            () => MlpTangent(x, labels, p, v));
        yield return new BenchResult("hvp_mlp", mlp[1], "ms",
            new Dictionary<string, double> { ["forward_backward_ms"] = mlp[0], ["ratio"] = mlp[1] / mlp[0] });
        yield return Jvp("jvp_mlp", mlp[2], mlp[0], mlp[3]);

        // Per-example gradients of the same MLP's loss: Vmap(Grad) in one batched call, against the loop it falls back to.
        var perExample = Functional.Vmap(Functional.Grad(ExampleLoss, withRespectTo: [0, 1, 2, 3, 4, 5]), [null, null, null, null, null, null, 0, 0]);
        var labelTensor = Tensor.FromArray(labels, Batch);
        Tensor[] arguments = [.. p, x, labelTensor];
        var vmap = Interleaved(2, cancellation,
            () => perExample(arguments),
            () => PerExampleLoop(p, x, labelTensor));
        yield return new BenchResult("vmap_grad_mlp", vmap[0], "ms",
            new Dictionary<string, double> { ["loop_ms"] = vmap[1], ["speedup"] = vmap[1] / vmap[0] });

        var z = Tensor.Randn([1 << 20], gen);
        var dz = Tensor.RandnLike(z, gen);
        var ones = Tensor.OnesLike(z);
        var zLeaf = z.Clone();
        zLeaf.RequiresGrad = true;
        var chain = Interleaved(2, cancellation,
            () => Backprop.Autograd.Grad(Chain(zLeaf), zLeaf, ones),
            () => Functional.Jvp(Chain, z, dz),
            () => ChainTangent(z, dz));
        yield return Jvp("jvp_elementwise", chain[1], chain[0], chain[2]);
    }

    private static BenchResult Jvp(string name, double jvp, double forwardBackward, double tangent) =>
        new(name, jvp, "ms", new Dictionary<string, double>
        {
            ["forward_backward_ms"] = forwardBackward, ["ratio"] = jvp / forwardBackward,
            ["forward_tangent_ms"] = tangent, ["ratio_to_forward_tangent"] = jvp / tangent,
        });

    /// <summary>The MLP's mean cross-entropy on inputs x with these labels, for weights and biases w (three layers, ReLU between).</summary>
    public static Tensor MlpLoss(Tensor x, int[] labels, Tensor[] w) =>
        Tensor.Linear(Tensor.Linear(Tensor.Linear(x, w[0], w[1]).Relu(), w[2], w[3]).Relu(), w[4], w[5]).CrossEntropy(labels);

    /// <summary>One example's loss: the MLP on x [784] with its label (w[6], w[7]), as a batch of one.</summary>
    public static Tensor ExampleLoss(Tensor[] w) =>
        Tensor.Linear(Tensor.Linear(Tensor.Linear(w[6].Unsqueeze(0), w[0], w[1]).Relu(), w[2], w[3]).Relu(), w[4], w[5]).CrossEntropy(w[7].Unsqueeze(0));

    /// <summary>Per-example gradients the way Vmap falls back to: Grad once per example, the results stacked.</summary>
    public static Tensor[] PerExampleLoop(Tensor[] w, Tensor x, Tensor labels)
    {
        var grad = Functional.Grad(ExampleLoss, withRespectTo: [0, 1, 2, 3, 4, 5]);
        var rows = new Tensor[x.Size(0)][];
        for (int b = 0; b < rows.Length; b++) rows[b] = grad([.. w, x.Narrow(0, b, 1).Squeeze(0), labels.Narrow(0, b, 1).Squeeze(0)]);
        return Enumerable.Range(0, w.Length).Select(k => Tensor.Stack(rows.Select(r => r[k]).ToArray())).ToArray();
    }

    /// <summary>An element-wise chain: exp(tanh(x·sin x)) + sigmoid(x).</summary>
    public static Tensor Chain(Tensor x) => (x * x.Sin()).Tanh().Exp() + x.Sigmoid();

    /// <summary>The chain's value and its tangent along dx by the chain rule, forward: what a dual-number rule per operator would compute.</summary>
    public static (Tensor Value, Tensor Tangent) ChainTangent(Tensor x, Tensor dx)
    {
        using var _ = Backprop.Autograd.NoGrad();
        var sin = x.Sin();
        var a = x * sin;
        var da = dx * (sin + x * x.Cos());
        var t = a.Tanh();
        var dt = da * (1.0 - t * t);
        var e = t.Exp();
        var s = x.Sigmoid();
        return (e + s, e * dt + dx * s * (1.0 - s));
    }

    /// <summary>The MLP's mean cross-entropy and its tangent along the weight directions dw, forward.</summary>
    public static (Tensor Value, Tensor Tangent) MlpTangent(Tensor x, int[] labels, Tensor[] w, Tensor[] dw)
    {
        using var _ = Backprop.Autograd.NoGrad();
        var z1 = Tensor.Linear(x, w[0], w[1]);
        var dz1 = Tensor.Linear(x, dw[0], dw[1]);
        var h1 = z1.Relu();
        var dh1 = dz1 * z1.Gt(0).To(x.DType);
        var z2 = Tensor.Linear(h1, w[2], w[3]);
        var dz2 = Tensor.Linear(dh1, w[2], null) + Tensor.Linear(h1, dw[2], dw[3]);
        var h2 = z2.Relu();
        var dh2 = dz2 * z2.Gt(0).To(x.DType);
        var z3 = Tensor.Linear(h2, w[4], w[5]);
        var dz3 = Tensor.Linear(dh2, w[4], null) + Tensor.Linear(h2, dw[4], dw[5]);
        var loss = z3.CrossEntropy(labels);
        // d(mean cross-entropy) = mean over rows of ⟨softmax(z3) − onehot, dz3⟩.
        var onehot = Tensor.FromArray(labels, labels.Length).OneHot(z3.Size(1)).To(x.DType);
        var dloss = ((z3.Softmax() - onehot) * dz3).Sum() * (1.0 / labels.Length);
        return (loss, dloss);
    }

    /// <summary>
    /// Milliseconds per call of each of <paramref name="runs"/>: the best of <see cref="Repetitions"/> rounds, each
    /// timing <paramref name="calls"/> calls of every run in turn, after one warm-up round. Interleaved, so that the
    /// ratios compare runs measured under the same conditions on a shared machine.
    /// </summary>
    private static double[] Interleaved(int calls, CancellationToken cancellation, params Action[] runs)
    {
        var best = Enumerable.Repeat(double.MaxValue, runs.Length).ToArray();
        for (int round = 0; round <= Repetitions; round++)
            for (int k = 0; k < runs.Length; k++)
            {
                cancellation.ThrowIfCancellationRequested();
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < calls; i++) runs[k]();
                double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds / calls;
                if (round > 0) best[k] = Math.Min(best[k], ms);
            }
        return best;
    }
}
