using System.Diagnostics;
using Backprop.Data;
using Backprop.NN;
using Backprop.Optim;

namespace Backprop.Cli.Bench;

/// <summary>
/// mlp_epoch and cnn_10k: training on Fashion-MNIST exactly as the reference script does — SGD lr 0.05 momentum 0.9,
/// batch 64, cross-entropy, pixels/255 — timing only the training loop.
/// </summary>
public static class FashionMnistWorkloads
{
    private const int BatchSize = 64;

    /// <summary>784-256-128-10 ReLU MLP, one epoch over the 60,000 shuffled training images; seconds, and test accuracy.</summary>
    public static BenchResult MlpEpoch(string directory, CancellationToken cancellation, TrainingStepProfiler? profiler = null)
    {
        var (train, test) = Load(directory);
        var gen = new Generator(0);
        var model = new Sequential(new Linear(784, 256, gen), new ReLU(), new Linear(256, 128, gen), new ReLU(), new Linear(128, 10, gen));
        var order = gen.Permutation(train.Count);
        var (seconds, bytesPerStep) = Train(model, train, order, cancellation, profiler, 784);
        double accuracy = Accuracy(model, test, [784]);
        return new BenchResult("mlp_epoch", seconds, "s",
            new Dictionary<string, double> { ["test_accuracy"] = accuracy, ["bytes_per_step"] = Math.Round(bytesPerStep) });
    }

    /// <summary>The 2-conv CNN over the first 10,000 training images in order; seconds.</summary>
    public static BenchResult Cnn10k(string directory, CancellationToken cancellation, TrainingStepProfiler? profiler = null)
    {
        var (train, _) = Load(directory);
        var gen = new Generator(0);
        var model = new Sequential(
            new Conv2d(1, 32, 3, gen, padding: 1), new ReLU(), new MaxPool2d(2),
            new Conv2d(32, 64, 3, gen, padding: 1), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(64 * 7 * 7, 128, gen), new ReLU(), new Linear(128, 10, gen));
        var order = Enumerable.Range(0, 10_000).ToArray();
        var (seconds, bytesPerStep) = Train(model, train, order, cancellation, profiler, 1, 28, 28);
        return new BenchResult("cnn_10k", seconds, "s", new Dictionary<string, double> { ["bytes_per_step"] = Math.Round(bytesPerStep) });
    }

    private static (Dataset Train, Dataset Test) Load(string directory)
    {
        if (!FashionMnist.IsAvailable(directory))
            throw new CommandFailedException(
                $"Fashion-MNIST not found in {directory}: install it with 'apt-get install dataset-fashion-mnist' (or tools/install-reference.sh), or pass --data DIR",
                ExitCodes.Failure);
        return FashionMnist.Load(directory);
    }

    /// <summary>Seconds for the loop, and the managed bytes allocated (all threads) per full-batch step after the first 50.</summary>
    private static (double Seconds, double BytesPerStep) Train(Module<Tensor, Tensor> model, Dataset data, int[] order, CancellationToken cancellation,
        TrainingStepProfiler? profiler, params int[] sampleShape)
    {
        var opt = new Sgd(model.Parameters(), learningRate: 0.05, momentum: 0.9);
        int size = data.SampleSize;
        var features = new float[BatchSize * size];
        var labels = new int[BatchSize];
        long start = Stopwatch.GetTimestamp();
        long allocatedAtWarm = 0, allocatedAtEnd = 0;
        int steps = 0, warmSteps = 50, fullSteps = 0;
        for (int first = 0; first < order.Length; first += BatchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            if (steps++ == warmSteps) allocatedAtWarm = GC.GetTotalAllocatedBytes(precise: true);
            int count = Math.Min(BatchSize, order.Length - first);
            // The last, shorter batch needs buffers of other sizes once: not a steady-state step, so not counted.
            if (count != BatchSize && fullSteps == 0)
                (fullSteps, allocatedAtEnd) = (steps - 1, GC.GetTotalAllocatedBytes(precise: true));
            if (count != labels.Length) labels = new int[count];
            for (int i = 0; i < count; i++)
            {
                int row = order[first + i];
                data.Features.AsSpan(row * size, size).CopyTo(features.AsSpan(i * size));
                labels[i] = data.Labels[row];
            }
            if (profiler is not null)
            {
                ProfiledStep(model, opt, features, labels, count, size, sampleShape, profiler, steps > warmSteps && count == BatchSize);
                continue;
            }
            opt.ZeroGrad();
            using (TensorScope.Begin())
            {
                var x = count == BatchSize
                    ? Tensor.Wrap(features, [count, .. sampleShape])
                    : Tensor.FromArray(features.AsSpan(0, count * size).ToArray(), [count, .. sampleShape]);
                model.Forward(x).CrossEntropy(labels).Backward();
            }
            opt.Step();
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        // Counted over the full batches from step 50 on, so one-time costs (pool warm-up, optimizer state, JIT, the
        // short last batch) are left out.
        if (fullSteps == 0) (fullSteps, allocatedAtEnd) = (steps, GC.GetTotalAllocatedBytes(precise: true));
        double bytesPerStep = fullSteps > warmSteps ? (double)(allocatedAtEnd - allocatedAtWarm) / (fullSteps - warmSteps) : double.NaN;
        return (seconds, bytesPerStep);
    }

    /// <summary>The same step as the timed loop, phase by phase under the profiler.</summary>
    private static void ProfiledStep(Module<Tensor, Tensor> model, Sgd opt, float[] features, int[] labels, int count, int size,
        int[] sampleShape, TrainingStepProfiler profiler, bool counting)
    {
        profiler.Counting = counting;
        profiler.Start();
        opt.ZeroGrad();
        profiler.Lap("zero grad");
        using (TensorScope.Begin())
        {
            var x = count == BatchSize
                ? Tensor.Wrap(features, [count, .. sampleShape])
                : Tensor.FromArray(features.AsSpan(0, count * size).ToArray(), [count, .. sampleShape]);
            profiler.Lap("wrap batch");
            var logits = profiler.Forward(model, x);
            var loss = logits.CrossEntropy(labels);
            profiler.Lap("forward: cross-entropy");
            loss.Backward(profiler);
            profiler.Lap("backward: (end)");
        }
        profiler.Lap("end of scope");
        opt.Step();
        profiler.Lap("optimizer step");
        profiler.EndStep();
    }

    private static double Accuracy(Module<Tensor, Tensor> model, Dataset data, int[] sampleShape)
    {
        model.Eval();
        int correct = 0, size = data.SampleSize;
        using var _ = Autograd.NoGrad();
        for (int first = 0; first < data.Count; first += 1000)
        {
            int count = Math.Min(1000, data.Count - first);
            using var scope = TensorScope.Begin();
            var x = Tensor.FromArray(data.Features.AsSpan(first * size, count * size).ToArray(), [count, .. sampleShape]);
            var predicted = model.Forward(x).ArgMax(1).ToArray<int>();
            for (int i = 0; i < count; i++) if (predicted[i] == data.Labels[first + i]) correct++;
        }
        model.Train();
        return (double)correct / data.Count;
    }
}
