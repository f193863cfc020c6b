using System.Diagnostics;
using Backprop.Cli.Models;
using Backprop.Cli.Text;
using Backprop.Optim;

namespace Backprop.Cli.Bench;

/// <summary>
/// gpt_char: the character-level GPT of ../shared/bench/GPT.md trained on Moby-Dick — nanoGPT's shakespeare_char CPU
/// recipe (4 layers, 4 heads, 128 wide, context 64, batch 12), AdamW with decay groups, warm-up and cosine schedule,
/// clipping at global norm 1 — exactly as the PyTorch and TorchSharp references run it. Reports the median ms per
/// iteration after the warm-up, the losses, and the managed bytes allocated per steady-state step.
/// </summary>
public static class GptCharWorkload
{
    private const int BlockSize = 64, Batch = 12, EvalBatches = 50;
    private const double PeakLr = 1e-3, MinLr = 1e-4;

    /// <summary>The learning rate of iteration <paramref name="it"/> (0-based): linear warm-up, then cosine to the minimum at <paramref name="iters"/>.</summary>
    public static double LearningRate(int it, int iters)
    {
        int warmup = Warmup(iters);
        return it < warmup
            ? PeakLr * (it + 1) / warmup
            : MinLr + 0.5 * (1 + Math.Cos(Math.PI * (it - warmup) / (iters - warmup))) * (PeakLr - MinLr);
    }

    /// <summary>Warm-up iterations: max(1, iters / 20), 100 of 2,000.</summary>
    public static int Warmup(int iters) => Math.Max(1, iters / 20);

    /// <summary>The median as Python's statistics.median: the mean of the two middle values for an even count.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>Runs <paramref name="iters"/> iterations (2,000 is the benchmark; fewer make gpt_char_ITERS).</summary>
    /// <param name="curve">Receives every iteration's training loss, in order (for a loss-curve picture), or null.</param>
    public static BenchResult Run(int iters, CancellationToken cancellation, TextWriter? profile = null, List<double>? curve = null)
    {
        if (iters < 2) throw new UsageException($"gpt: ITERS must be at least 2, got {iters}");
        int warmup = Warmup(iters);
        var corpus = TextCorpus.FromText(TextCorpus.ReadText(CorpusLocation.MobyDick()));
        var model = new Gpt(new GptConfig(corpus.Vocabulary.Count, BlockSize), new Generator(1337));
        var parameters = model.Parameters();
        // GPT.md's decay groups: 2-D tensors (matrices, both embeddings) decay by 0.1, the layer-norm weights not at all.
        var optimizer = new AdamW(
            [new ParameterGroup(parameters.Where(p => p.Rank == 2)) { WeightDecay = 0.1 }, new ParameterGroup(parameters.Where(p => p.Rank < 2)) { WeightDecay = 0 }],
            PeakLr, beta1: 0.9, beta2: 0.99, eps: 1e-8);
        var batches = new GptBatches(corpus.Train, new Mt19937(1337), Batch, BlockSize);
        int[] curvePoints = [0, iters / 4, iters / 2, 3 * iters / 4, iters - 1];
        var losses = new Dictionary<int, double>();
        var times = new double[iters];
        long allocatedAtWarm = 0;
        var profiler = profile is null ? null : new GptProfiler();

        long start = Stopwatch.GetTimestamp();
        for (int it = 0; it < iters; it++)
        {
            cancellation.ThrowIfCancellationRequested();
            if (it == warmup) allocatedAtWarm = GC.GetTotalAllocatedBytes(precise: false);
            long stepStart = Stopwatch.GetTimestamp();
            if (profiler is not null)
                profiler.Counting = it >= warmup;
            double loss;
            using (TensorScope.Begin())
            {
                var (x, y) = batches.Next();
                optimizer.LearningRate = LearningRate(it, iters);
                var lossTensor = profiler is null ? Gpt.Loss(model.Forward(x), y) : profiler.Forward(model, x, y);
                if (profiler is null) lossTensor.Backward(); else profiler.Backward(lossTensor);
                loss = lossTensor.Item();
            }
            long optimizerStart = Stopwatch.GetTimestamp(), optimizerStartBytes = profiler is null ? 0 : GptProfiler.AllocatedBytes();
            GradientClipping.ClipByGlobalNorm(parameters, 1.0);
            optimizer.Step();
            model.ZeroGrad();
            long end = Stopwatch.GetTimestamp();
            profiler?.Add("optimizer (clip, AdamW, zero grad)", Stopwatch.GetElapsedTime(optimizerStart, end).TotalMilliseconds,
                GptProfiler.AllocatedBytes() - optimizerStartBytes);
            profiler?.EndIteration();
            times[it] = Stopwatch.GetElapsedTime(stepStart, end).TotalMilliseconds;
            if (curvePoints.Contains(it)) losses[it] = loss;
            curve?.Add(loss);
        }
        double totalSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        double bytesPerStep = (GC.GetTotalAllocatedBytes(precise: false) - allocatedAtWarm) / (double)(iters - warmup);

        long evalStart = Stopwatch.GetTimestamp();
        double valLoss = Evaluate(model, corpus.Validation, cancellation);
        double trainLoss = Evaluate(model, corpus.Train, cancellation);
        double evalSeconds = Stopwatch.GetElapsedTime(evalStart).TotalSeconds;

        if (profiler is not null) profiler.Write(profile!);
        var extra = new Dictionary<string, double>
        {
            ["iters"] = iters,
            ["val_loss"] = Math.Round(valLoss, 4),
            ["train_loss"] = Math.Round(trainLoss, 4),
            ["total_seconds"] = Math.Round(totalSeconds, 2),
            ["eval_seconds"] = Math.Round(evalSeconds, 2),
            ["params"] = model.ParameterCount,
            ["threads"] = Kernels.Parallelism.CurrentMaxThreads,
        };
        foreach (var it in curvePoints) extra[$"loss_{it}"] = Math.Round(losses[it], 4);
        extra["bytes_per_step"] = Math.Round(bytesPerStep);
        return new BenchResult(iters == 2000 ? "gpt_char" : $"gpt_char_{iters}", Median(times.Skip(warmup)), "ms/iter", extra);
    }

    /// <summary>The mean loss of 50 batches drawn from a fresh seed-42 generator over <paramref name="split"/>, without gradients.</summary>
    public static double Evaluate(Gpt model, ReadOnlyMemory<int> split, CancellationToken cancellation)
    {
        using var noGrad = Autograd.NoGrad();
        var batches = new GptBatches(split, new Mt19937(42), Batch, BlockSize);
        double sum = 0;
        for (int i = 0; i < EvalBatches; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = TensorScope.Begin();
            var (x, y) = batches.Next();
            sum += Gpt.Loss(model.Forward(x), y).Item();
        }
        return sum / EvalBatches;
    }
}
